import {
  call,
  createKey,
  type ServerProcess,
  signUpAndLogIn,
  spawnServer,
  startCluster,
  startReceiver,
  tempDir,
} from "@latchkey/testkit";
import { describe, expect, it } from "vitest";

/**
 * The queue is durable and shared: real server processes with their real timers, a real
 * receiver, SQLite across a crash and restart, and several PostgreSQL nodes on one database.
 */

interface Delivery {
  id: number;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
}

const FAST = {
  LATCHKEY_WEBHOOK_POLL_SECONDS: "1",
  LATCHKEY_WEBHOOK_ALLOW_PRIVATE: "true",
} as const;

async function deliveriesOf(url: string, session: string, id: number): Promise<Delivery[]> {
  const answer = await call<{ deliveries: Delivery[] }>(
    url,
    "GET",
    `/api/v0/webhooks/${id}/deliveries/?limit=200`,
    { key: session },
  );
  return answer.body.deliveries;
}

/** Polls until `ready` holds (the server works on its own timer); fails after 20 s. */
async function until<T>(read: () => Promise<T>, ready: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (ready(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("webhook delivery across restarts and nodes", () => {
  it("sends a delivery still pending when the server is killed once a new server starts on the same data", async () => {
    const dir = tempDir();
    const receiver = await startReceiver(() => 500);
    const env = { ...FAST, LATCHKEY_DATA_DIR: dir.path, LATCHKEY_WEBHOOK_RETRY_SECONDS: "5" };
    let first: ServerProcess | undefined;
    let second: ServerProcess | undefined;
    try {
      first = await spawnServer(env);
      const user = await signUpAndLogIn(first.url);
      const hook = await call<{ id: number }>(first.url, "POST", "/api/v0/webhooks/", {
        key: user.session,
        body: { url: receiver.url, events: ["key.created"] },
      });
      const key = await createKey(first.url, user.session, { name: "survives" });
      await receiver.waitFor(1);
      // The failed attempt is on record, its retry due in 5 s: kill the server now.
      const [pending] = await until(
        () => deliveriesOf(first?.url ?? "", user.session, hook.body.id),
        (log) => log[0]?.last_status_code === 500,
      );
      expect(pending).toMatchObject({ status: "pending", event_type: "key.created" });
      await first.stop("SIGKILL");
      const attemptsBefore = receiver.received.length;

      receiver.respond = () => 204;
      second = await spawnServer(env);
      const [delivered] = await until(
        () => deliveriesOf(second?.url ?? "", user.session, hook.body.id),
        (log) => log[0]?.status === "delivered",
      );
      expect(delivered?.id).toBe(pending?.id);
      const sent = receiver.received;
      expect(sent.length).toBeGreaterThan(attemptsBefore);
      const last = sent[sent.length - 1];
      expect(last?.headers["latchkey-event-id"]).toBe(pending?.event_id);
      expect(JSON.parse(last?.body ?? "{}")).toMatchObject({
        type: "key.created",
        data: { key: { id: key.id, name: "survives" } },
      });
    } finally {
      await first?.stop("SIGKILL");
      await second?.stop();
      await receiver.close();
      dir.remove();
    }
  });

  it("on three PostgreSQL nodes, delivers each event once, and a leak report to one node revokes on all", async () => {
    const cluster = await startCluster(3, FAST);
    const receiver = await startReceiver();
    try {
      const [a, b, c] = cluster.urls as [string, string, string];
      const user = await signUpAndLogIn(a);
      const hook = await call<{ id: number }>(b, "POST", "/api/v0/webhooks/", {
        key: user.session,
        body: { url: receiver.url },
      });
      const keys = [];
      for (let i = 0; i < 12; i++) {
        keys.push(await createKey(cluster.urls[i % 3] ?? a, user.session, { name: `k${i}` }));
      }
      await receiver.waitFor(12);
      const log = await until(
        () => deliveriesOf(c, user.session, hook.body.id),
        (rows) => rows.length === 12 && rows.every((d) => d.status === "delivered"),
      );
      expect(log.every((d) => d.attempts === 1)).toBe(true);

      const leaked = keys[0];
      if (!leaked) throw new Error("no key");
      expect((await call(c, "GET", "/api/v0/users/current/", { key: leaked.key })).status).toBe(
        200,
      );
      const report = await call(a, "POST", "/api/v0/auth/apikeys/report-leak/", {
        body: { secrets: [leaked.key], url: "https://paste.example.com/1" },
      });
      expect(report.status).toBe(202);
      for (const node of cluster.urls) {
        expect(
          (await call(node, "GET", "/api/v0/users/current/", { key: leaked.key })).status,
        ).toBe(401);
      }
      await receiver.waitFor(13);
      // Every node polls every second: a few more passes, and still each event arrived once.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const ids = receiver.received.map((r) => String(r.headers["latchkey-event-id"]));
      expect(ids).toHaveLength(13);
      expect(new Set(ids).size).toBe(13);
      const types = receiver.received.map((r) => JSON.parse(r.body).type);
      expect(types.filter((t) => t === "key.created")).toHaveLength(12);
      expect(types.filter((t) => t === "key.leaked")).toHaveLength(1);
    } finally {
      await receiver.close();
      await cluster.stop();
    }
  });
});
