import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { join } from "node:path";
import autocannon from "autocannon";
import { openBenchStore } from "./benchStore.js";
import type { Cleanup } from "./cleanup.js";
import type { BenchOptions } from "./options.js";
import { type BenchServer, startBenchServer } from "./serverProcess.js";
import { percentile } from "./stats.js";

/**
 * The revocation scenario: three PostgreSQL nodes under verification load, while keys in use
 * are deleted and reset through one of them. What it counts is the promise of
 * docs/revocation.md: no request that starts after a delete or reset answered is accepted,
 * on any node, with the old secret.
 *
 * Two kinds of traffic run at once. autocannon loads every node with all the keys (the ones
 * to be revoked among them), so that each key meets concurrent look-ups on each node from its
 * first use on; its answers cannot be tied to a start time, so they only show the load. The
 * measurement comes from one prober per node and revoked secret: a loop of single requests,
 * each with its start time taken just before it is sent, alternating the two ways a secret
 * is verified (GET /users/current/ as a bearer, POST /auth/verify/).
 */

export const REVOCATION_NODES = 3;

/** An accepted request: a 2xx answer, and for the verify API a VALID verdict. */
const VERIFY_BODY = (key: string) => JSON.stringify({ key, category: "instance_read" });

/** Requests of the probers, by when they started relative to their secret's revocation. */
export interface ProbeCounts {
  accepted: number;
  refused: number;
}

export interface OperationLatency {
  count: number;
  /** In ms, from sending the request to the arrival of its answer (status line and headers). */
  p50: number;
  p99: number;
  max: number;
}

export interface RevocationResult {
  nodes: number;
  /** Keys under load; `deletes` of them are deleted and `resets` reset, the rest stay live. */
  keys: number;
  deletes: number;
  resets: number;
  /** Seconds of load before the first revocation, and after the last one answered. */
  loadSeconds: number;
  afterSeconds: number;
  /** autocannon connections per node, besides one prober per node and revoked secret. */
  connectionsPerNode: number;
  /** autocannon's traffic over all nodes, for the whole scenario. */
  load: {
    responses: number;
    requestsPerSecond: number;
    statuses: Record<string, number>;
    errors: number;
    timeouts: number;
  };
  probes: {
    /** Started before the revoking call was sent. */
    before: ProbeCounts;
    /** Started while the revoking call was on its way: either answer is right. */
    during: ProbeCounts;
    /** Started after its answer arrived, while the load ran. */
    after: ProbeCounts;
    /** One request per node, secret and verification path once the load has stopped. */
    afterLoad: ProbeCounts;
    /** Connection errors, timeouts and statuses other than 2xx and 401. */
    errors: number;
  };
  /** Requests accepted with a revoked secret that started after the revocation answered. */
  acceptedAfterRevocation: number;
  /** The same, by node (index 0 is the node the revocations went through). */
  acceptedAfterRevocationByNode: number[];
  /** The latest start of such a request, in ms after the answer; null when there was none. */
  latestAcceptedAfterMs: number | null;
  /**
   * Pairs of a revoked secret and a node on which the secret was accepted before its
   * revocation, out of `revokedPairs`: a pair not in use measures nothing.
   */
  inUsePairs: number;
  revokedPairs: number;
  /** Pairs of a revoked secret and a node with at least one request accepted after. */
  stalePairs: number;
  /** Live keys and reset keys' new secrets that some node refused after the load. */
  liveRefused: number;
  latencyMs: { delete: OperationLatency | null; reset: OperationLatency | null };
  /**
   * Warnings in the nodes' logs that explain a slow revocation: a revoking node evicted nodes
   * that did not acknowledge in time (and waited out their lease), or a node stopped trusting
   * its cache (its lease ran out).
   */
  nodeLog: { evictions: number; cacheDistrusted: number };
}

/** Counts the revocation bus's warnings in a node's log (pino JSON lines). */
function countWarnings(file: string): { evictions: number; cacheDistrusted: number } {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    // No log: nothing to count.
  }
  let evictions = 0;
  let cacheDistrusted = 0;
  for (const line of text.split("\n")) {
    if (line.includes('"msg":"nodes did not acknowledge a revocation')) evictions++;
    if (line.includes('"msg":"cache distrusted')) cacheDistrusted++;
  }
  return { evictions, cacheDistrusted };
}

export type RevocationSettings = Pick<
  BenchOptions,
  | "postgresUrl"
  | "revocationKeys"
  | "revocationDeletes"
  | "revocationResets"
  | "revocationLoad"
  | "revocationAfter"
> & {
  /** autocannon connections per node. */
  connections: number;
};

interface Answer {
  status: number;
  body: string;
  /** performance.now() when the status line and headers arrived. */
  answeredAt: number;
}

/** One HTTP request on a keep-alive agent; rejects only on a connection error or timeout. */
function send(
  agent: Agent,
  base: URL,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method,
        path,
        headers:
          body === undefined ? headers : { ...headers, "content-length": Buffer.byteLength(body) },
        timeout: 10_000,
      },
      (res) => {
        const answeredAt = performance.now();
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            answeredAt,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end(body);
  });
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const JSON_TYPE = { "content-type": "application/json" };

/** Whether a secret was accepted: by the bearer path (`verify` false) or the verify API. */
async function presents(
  agent: Agent,
  base: URL,
  secret: string,
  verify: boolean,
): Promise<boolean | "error"> {
  const answer = verify
    ? await send(agent, base, "POST", "/api/v0/auth/verify/", JSON_TYPE, VERIFY_BODY(secret))
    : await send(agent, base, "GET", "/api/v0/users/current/", bearer(secret));
  if (verify) {
    if (answer.status !== 200) return "error";
    return (JSON.parse(answer.body) as { valid?: unknown }).valid === true;
  }
  if (answer.status >= 200 && answer.status < 300) return true;
  return answer.status === 401 ? false : "error";
}

const round = (n: number) => Math.round(n * 1000) / 1000;

function latency(samples: readonly number[]): OperationLatency | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? 0),
  };
}

/** A prober: requests with one secret to one node until stopped, each with its start time. */
class Prober {
  readonly starts: number[] = [];
  readonly accepted: boolean[] = [];
  errors = 0;
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(
    readonly node: number,
    readonly secret: string,
    agent: Agent,
    base: URL,
  ) {
    this.done = (async () => {
      for (let i = 0; !this.stopped; i++) {
        const started = performance.now();
        const verdict = await presents(agent, base, secret, i % 2 === 1).catch(
          () => "error" as const,
        );
        if (verdict === "error") {
          this.errors++;
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        this.starts.push(started);
        this.accepted.push(verdict);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}

interface Revoked {
  id: number;
  secret: string;
  kind: "delete" | "reset";
  /** performance.now() when the revoking call was sent, and when its answer arrived. */
  sentAt: number;
  answeredAt: number;
  /** A reset's new secret. */
  replacement?: string;
}

async function json<T>(answer: Promise<Answer>, what: string): Promise<T> {
  const { status, body } = await answer;
  if (status !== 200) throw new Error(`${what} answered ${status}: ${body.slice(0, 300)}`);
  return JSON.parse(body) as T;
}

/** Starts autocannon against one node until `stop` is called. */
function load(url: string, requests: autocannon.Request[], connections: number) {
  const statuses: Record<string, number> = {};
  let instance: autocannon.Instance | undefined;
  const result = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      // Ticks every 100 ms, so that `stop()` ends the load within 100 ms (autocannon stops at a tick).
      { url, connections, duration: 24 * 3600, sampleInt: 100, requests, timeout: 10 },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
    instance.on("response", (_client, statusCode) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    });
  });
  return {
    statuses,
    async stop() {
      instance?.stop();
      return await result;
    },
  };
}

const sleep = (seconds: number) => new Promise((r) => setTimeout(r, seconds * 1000));

/** How long past `--revocation-load` the revocations wait for every secret to be in use. */
const IN_USE_WAIT_MS = 30_000;

export async function runRevocation(
  settings: RevocationSettings,
  cleanup: Cleanup,
  serverEnv: Record<string, string>,
  log: (line: string) => void,
): Promise<RevocationResult> {
  const store = await openBenchStore("postgres", settings.postgresUrl);
  const disposeStore = cleanup.add(() => store.dispose());
  // Nothing to seed: the keys are created through the API, as a user would.
  await store.finishSeeding();
  const pepper = `v1:${randomBytes(32).toString("hex")}`;
  const env = { ...serverEnv, ...store.env, LATCHKEY_PEPPER: pepper };
  const servers: BenchServer[] = [];
  const stops: (() => Promise<void>)[] = [];
  const agent = new Agent({ keepAlive: true });
  try {
    const started = await Promise.allSettled(
      Array.from({ length: REVOCATION_NODES }, (_, i) =>
        startBenchServer(env, join(store.dir, `node${i}.log`)),
      ),
    );
    for (const s of started) {
      if (s.status === "fulfilled") {
        servers.push(s.value);
        stops.push(cleanup.add(() => s.value.stop()));
      }
    }
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
    const bases = servers.map((s) => new URL(s.url));
    const first = bases[0] as URL;

    const email = `bench-revocation-${randomBytes(6).toString("hex")}@example.com`;
    const password = randomBytes(18).toString("base64url");
    const credentials = JSON.stringify({ email, password });
    await json(send(agent, first, "POST", "/api/v0/users/", JSON_TYPE, credentials), "sign-up");
    const { session_key: session } = await json<{ session_key: string }>(
      send(agent, first, "POST", "/api/v0/auth/login/", JSON_TYPE, credentials),
      "login",
    );
    const keys: { id: number; secret: string }[] = [];
    for (let i = 0; i < settings.revocationKeys; i++) {
      const created = await json<{ id: number; key: string }>(
        send(
          agent,
          first,
          "POST",
          "/api/v0/auth/apikeys/",
          { ...JSON_TYPE, ...bearer(session) },
          JSON.stringify({ name: `revocation bench ${i}` }),
        ),
        "creating a key",
      );
      keys.push({ id: created.id, secret: created.key });
    }
    const revokedCount = settings.revocationDeletes + settings.revocationResets;
    // Deletes and resets alternate while both remain; the rest of the keys stay live.
    const kinds: ("delete" | "reset")[] = [];
    for (let d = 0, r = 0; d + r < revokedCount; ) {
      if (d < settings.revocationDeletes && (d <= r || r >= settings.revocationResets)) {
        kinds.push("delete");
        d++;
      } else {
        kinds.push("reset");
        r++;
      }
    }
    const targets = keys.slice(0, revokedCount);
    const live = keys.slice(revokedCount);
    log(
      `  ${REVOCATION_NODES} nodes, ${keys.length} keys in use: ${settings.revocationDeletes} to delete, ${settings.revocationResets} to reset, through node 1`,
    );

    // The keys have never been used: from here on, every first use on every node is raced.
    const requests: autocannon.Request[] = [];
    // Revoked and live keys interleaved, so that each kind is spread over the cycle.
    const cycle = targets.flatMap((key, i) => [key, ...(live[i] ? [live[i]] : [])]);
    cycle.push(...live.slice(targets.length));
    for (const key of cycle) {
      requests.push({ method: "GET", path: "/api/v0/users/current/", headers: bearer(key.secret) });
      requests.push({
        method: "POST",
        path: "/api/v0/auth/verify/",
        headers: JSON_TYPE,
        body: VERIFY_BODY(key.secret),
      });
    }
    const loadStarted = performance.now();
    const loads = servers.map((s) => load(s.url, requests, settings.connections));
    const probers = targets.flatMap((key) =>
      bases.map((base, node) => new Prober(node, key.secret, agent, base)),
    );
    let loadSeconds = 0;
    let loadResults: autocannon.Result[] = [];
    const revoked: Revoked[] = [];
    try {
      await sleep(settings.revocationLoad);
      // The scenario is about secrets in use: on a busy machine a prober may not have had an
      // answer yet, so the revocations wait (a while) until every one has been accepted once.
      const inUseBy = performance.now() + IN_USE_WAIT_MS;
      while (!probers.every((p) => p.accepted.includes(true)) && performance.now() < inUseBy) {
        await sleep(0.05);
      }
      for (const [i, key] of targets.entries()) {
        const kind = kinds[i] ?? "delete";
        const sentAt = performance.now();
        const answer = await (kind === "delete"
          ? send(agent, first, "DELETE", `/api/v0/auth/apikeys/${key.id}/`, bearer(session))
          : send(agent, first, "POST", `/api/v0/auth/apikeys/${key.id}/reset/`, bearer(session)));
        if (answer.status !== 200) {
          throw new Error(`the ${kind} of key ${key.id} answered ${answer.status}: ${answer.body}`);
        }
        revoked.push({
          id: key.id,
          secret: key.secret,
          kind,
          sentAt,
          answeredAt: answer.answeredAt,
          replacement:
            kind === "reset" ? (JSON.parse(answer.body) as { key: string }).key : undefined,
        });
      }
      await sleep(settings.revocationAfter);
    } finally {
      await Promise.all(probers.map((p) => p.stop()));
      loadResults = await Promise.all(loads.map((l) => l.stop()));
      loadSeconds = (performance.now() - loadStarted) / 1000;
    }

    const probes = {
      before: { accepted: 0, refused: 0 },
      during: { accepted: 0, refused: 0 },
      after: { accepted: 0, refused: 0 },
      afterLoad: { accepted: 0, refused: 0 },
      errors: 0,
    };
    const byNode = servers.map(() => 0);
    let latest: number | null = null;
    let inUsePairs = 0;
    const stale = new Set<string>();
    const bySecret = new Map(revoked.map((r) => [r.secret, r]));
    for (const prober of probers) {
      const r = bySecret.get(prober.secret);
      if (!r) continue;
      probes.errors += prober.errors;
      let inUse = false;
      for (const [j, start] of prober.starts.entries()) {
        const accepted = prober.accepted[j] === true;
        const phase =
          start < r.sentAt ? probes.before : start <= r.answeredAt ? probes.during : probes.after;
        if (accepted) phase.accepted++;
        else phase.refused++;
        if (accepted && phase === probes.before) inUse = true;
        if (accepted && phase === probes.after) {
          stale.add(`${r.id}:${prober.node}`);
          byNode[prober.node] = (byNode[prober.node] ?? 0) + 1;
          latest = Math.max(latest ?? 0, start - r.answeredAt);
        }
      }
      if (inUse) inUsePairs++;
    }
    // Once the load has stopped: every revoked secret once more on every node, both ways.
    for (const r of revoked) {
      for (const [node, base] of bases.entries()) {
        for (const verify of [false, true]) {
          const started = performance.now();
          const verdict = await presents(agent, base, r.secret, verify).catch(
            () => "error" as const,
          );
          if (verdict === "error") probes.errors++;
          else if (verdict) {
            probes.afterLoad.accepted++;
            stale.add(`${r.id}:${node}`);
            byNode[node] = (byNode[node] ?? 0) + 1;
            latest = Math.max(latest ?? 0, started - r.answeredAt);
          } else probes.afterLoad.refused++;
        }
      }
    }
    // No collateral: the live keys and the reset keys' new secrets still work everywhere.
    let liveRefused = 0;
    const stillLive = [
      ...live.map((k) => k.secret),
      ...revoked.flatMap((r) => (r.replacement ? [r.replacement] : [])),
    ];
    for (const secret of stillLive) {
      for (const base of bases) {
        const verdict = await presents(agent, base, secret, false).catch(() => "error" as const);
        if (verdict !== true) liveRefused++;
      }
    }

    const statuses: Record<string, number> = {};
    for (const l of loads) {
      for (const [status, n] of Object.entries(l.statuses))
        statuses[status] = (statuses[status] ?? 0) + n;
    }
    const responses = Object.values(statuses).reduce((a, b) => a + b, 0);
    for (const stop of stops) await stop();
    const nodeLog = { evictions: 0, cacheDistrusted: 0 };
    for (let i = 0; i < servers.length; i++) {
      const counted = countWarnings(join(store.dir, `node${i}.log`));
      nodeLog.evictions += counted.evictions;
      nodeLog.cacheDistrusted += counted.cacheDistrusted;
    }
    const ms = (r: Revoked) => r.answeredAt - r.sentAt;
    const result: RevocationResult = {
      nodes: servers.length,
      keys: keys.length,
      deletes: settings.revocationDeletes,
      resets: settings.revocationResets,
      loadSeconds: settings.revocationLoad,
      afterSeconds: settings.revocationAfter,
      connectionsPerNode: settings.connections,
      load: {
        responses,
        requestsPerSecond: Math.round((responses / loadSeconds) * 10) / 10,
        statuses,
        errors: loadResults.reduce((n, r) => n + r.errors, 0),
        timeouts: loadResults.reduce((n, r) => n + r.timeouts, 0),
      },
      probes,
      acceptedAfterRevocation: byNode.reduce((a, b) => a + b, 0),
      acceptedAfterRevocationByNode: byNode,
      latestAcceptedAfterMs: latest === null ? null : round(latest),
      inUsePairs,
      revokedPairs: revoked.length * servers.length,
      stalePairs: stale.size,
      liveRefused,
      latencyMs: {
        delete: latency(revoked.filter((r) => r.kind === "delete").map(ms)),
        reset: latency(revoked.filter((r) => r.kind === "reset").map(ms)),
      },
      nodeLog,
    };
    const lat = (l: OperationLatency | null) =>
      l ? `p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms` : "–";
    log(
      `  load ${result.load.requestsPerSecond.toFixed(0)} req/s over ${servers.length} nodes; delete ${lat(result.latencyMs.delete)}; reset ${lat(result.latencyMs.reset)}`,
    );
    log(
      `  accepted after the revocation answered: ${result.acceptedAfterRevocation} (of ${probes.after.accepted + probes.after.refused + probes.afterLoad.accepted + probes.afterLoad.refused} requests with revoked secrets started after it)`,
    );
    return result;
  } catch (err) {
    const logs = servers.map((s, i) => `node ${i + 1}:\n${s.logTail()}`).join("\n");
    throw new Error(`${(err as Error).message}\nserver logs:\n${logs}`);
  } finally {
    agent.destroy();
    for (const stop of stops) await stop();
    await disposeStore();
  }
}
