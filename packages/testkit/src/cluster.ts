import { randomBytes } from "node:crypto";
import type { ConfigSource } from "@latchkey/server";
import { afterAll, beforeAll } from "vitest";
import { freshSchema } from "./database.js";
import { type ServerProcess, spawnServer } from "./server.js";

export interface TestCluster {
  nodes: ServerProcess[];
  urls: string[];
  schema: string;
  /** Stops every node and drops the schema. */
  stop(): Promise<void>;
}

/**
 * Test support: `count` real server processes on one fresh PostgreSQL schema, sharing one
 * pepper, each on its own port: the scale-out mode as an operator would run it.
 */
export async function startCluster(count: number, env: ConfigSource = {}): Promise<TestCluster> {
  const fresh = freshSchema("lk_cluster");
  const shared = {
    LATCHKEY_DATABASE_URL: fresh.url,
    LATCHKEY_DATABASE_SCHEMA: fresh.schema,
    LATCHKEY_PEPPER: `v1:${randomBytes(32).toString("hex")}`,
    ...env,
  };
  // All at once, as nodes behind a load balancer start: the migration lock is exercised too.
  const started = await Promise.allSettled(
    Array.from({ length: count }, () => spawnServer(shared)),
  );
  const nodes = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop("SIGKILL")));
    await fresh.drop();
  };
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { nodes, urls: nodes.map((n) => n.url), schema: fresh.schema, stop };
}

/** Some running nodes, however they were started: one SQLite server or a cluster. */
export interface NodeSet {
  urls: string[];
  stop(): Promise<void>;
}

/**
 * Test support: starts the nodes before the suite's tests and stops them after. `urls()` is
 * every node's address; `node(i)` picks one round robin, so traffic spreads over all of them.
 */
export function useNodes(start: () => Promise<NodeSet>): {
  urls(): string[];
  node(i: number): string;
} {
  let nodes: NodeSet | undefined;
  beforeAll(async () => {
    nodes = await start();
  });
  afterAll(async () => {
    await nodes?.stop();
  });
  const urls = () => {
    if (!nodes) throw new Error("the nodes are not started yet");
    return nodes.urls;
  };
  return { urls, node: (i) => urls()[i % urls().length] ?? "" };
}
