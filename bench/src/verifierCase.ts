import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Verifier } from "@latchkey/sdk";
import autocannon from "autocannon";
import type { Cleanup } from "./cleanup.js";
import type { BenchOptions } from "./options.js";
import { type BenchServer, startBenchServer } from "./serverProcess.js";
import { median, middleHalf, percentile } from "./stats.js";
import type { TargetResult } from "./targets.js";

/**
 * The protected-service case (issue 18): a bare Fastify service of the same shape as case (0),
 * measured unprotected and behind `requireKey({ verifier })` with every key already held by
 * the verifier; and how long a delete takes with N verifiers connected. On one SQLite node:
 * what it shows is the verifier's own cost, not the store's.
 *
 * Each round starts both services afresh and measures them in slices of about a second,
 * taking turns (bare then protected, then the other way round); each pair of slices gives one
 * ratio, and the targets are checked against the median of those ratios. A machine whose
 * speed drifts within a round shifts both slices of a pair alike. Each slice is measured with
 * every key in turn on each connection (what the targets read) and with one key per
 * connection (reported beside them).
 */

export const VERIFIER_TARGETS = {
  /** With the verifier, at least this share of the unprotected service's requests/s… */
  throughput: 0.9,
  /** …with a p99 at most this multiple of its. */
  p99: 1.3,
} as const;

const SERVICE = join(dirname(fileURLToPath(import.meta.url)), "protectedService.js");
/** About how long each service is loaded before the other takes its turn. */
const SLICE_SECONDS = 1;
const MODES = ["bare", "verifier"] as const;
type Mode = (typeof MODES)[number];
const VERIFIER_COUNTS = [1, 10, 100] as const;

interface Load {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** The service process's CPU time (user + system) per answer; null without /proc. */
  cpuUsPerRequest: number | null;
  unexpected: number;
}

type Run = Awaited<ReturnType<typeof fire>> & { cpuMs: number | null };

/** One pair of slices: the protected service's figure over the unprotected one's beside it. */
export interface SlicePair {
  requestsPerSecond: number;
  p99: number;
}

/** Both services under one pattern of load. */
export interface PatternResult {
  /** All slices of each service, pooled. */
  bare: Load;
  verifier: Load;
  pairs: SlicePair[];
  /** The median of the pairs' ratios. */
  median: SlicePair;
}

export interface VerifierCaseResult extends PatternResult {
  connections: number;
  rounds: number;
  durationSeconds: number;
  /** Seconds of load before the other service takes its turn. */
  sliceSeconds: number;
  keys: number;
  /**
   * The fields above are every key in turn on every connection, which the targets read; this
   * is one key per connection, reported beside it.
   */
  oneKeyPerConnection: PatternResult;
  /** The verifier's verify calls during the measured rounds (all keys held: 0 expected). */
  callsWhileMeasured: number;
  deletes: { verifiers: number; count: number; p50: number; p99: number; max: number }[];
}

const r2 = (n: number) => Math.round(n * 100) / 100;
const r3 = (n: number) => Math.round(n * 1000) / 1000;

async function api<T>(url: string, method: string, path: string, key?: string, body?: unknown) {
  const response = await fetch(url + path, {
    method,
    headers: {
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/**
 * How the keys are sent: each in turn on every connection (as a proxy in front of the service
 * would send its clients' requests), or one key per connection (a client with its own key and
 * a kept-alive connection: the verifier then hashes each key once).
 */
const PATTERNS = ["rotating", "perConnection"] as const;
type Pattern = (typeof PATTERNS)[number];

/** autocannon against one service; latencies of every answer. */
function fire(
  url: string,
  keys: string[],
  seconds: number,
  connections: number,
  pattern: Pattern = "rotating",
): Promise<{ latencies: number[]; responses: number; unexpected: number; seconds: number }> {
  const latencies: number[] = [];
  let unexpected = 0;
  let next = 0;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/api/v0/users/current/`,
        connections,
        duration: seconds,
        timeout: 10,
        ...(pattern === "rotating"
          ? {
              requests: keys.map((key) => ({
                method: "GET" as const,
                headers: { authorization: `Bearer ${key}` },
              })),
            }
          : {
              setupClient: (client: { setHeaders(headers: Record<string, string>): void }) => {
                client.setHeaders({ authorization: `Bearer ${keys[next++ % keys.length]}` });
              },
            }),
      },
      (err, result) =>
        err
          ? reject(err)
          : resolve({
              latencies,
              responses: latencies.length,
              unexpected: unexpected + result.errors + result.timeouts,
              seconds: (performance.now() - started) / 1000,
            }),
    );
    instance.on("response", (_client, status, _bytes, ms) => {
      latencies.push(ms);
      if (status !== 200) unexpected++;
    });
  });
}

function summarise(runs: Run[]): Load {
  const all = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const seconds = runs.reduce((s, r) => s + r.seconds, 0);
  const cpu = runs.every((r) => r.cpuMs !== null)
    ? runs.reduce((s, r) => s + (r.cpuMs ?? 0), 0)
    : null;
  return {
    requestsPerSecond: Math.round(all.length / seconds),
    p50: r2(percentile(all, 50)),
    p99: r2(percentile(all, 99)),
    cpuUsPerRequest: cpu === null || all.length === 0 ? null : r2((cpu * 1000) / all.length),
    unexpected: runs.reduce((n, r) => n + r.unexpected, 0),
  };
}

export async function runVerifierCase(
  options: BenchOptions,
  cleanup: Cleanup,
  serverEnv: Record<string, string>,
  log: (line: string) => void,
): Promise<VerifierCaseResult> {
  const dir = mkdtempSync(join(tmpdir(), "latchkey-bench-verifier-"));
  const removeDir = cleanup.add(async () => rmSync(dir, { recursive: true, force: true }));
  const servers: BenchServer[] = [];
  const stopAll = cleanup.add(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });
  try {
    const server = await startBenchServer(
      { ...serverEnv, LATCHKEY_DATA_DIR: dir },
      join(dir, "server.log"),
    );
    servers.push(server);
    const email = `bench-verifier-${Date.now()}@example.com`;
    const password = "bench password long enough";
    await api(server.url, "POST", "/api/v0/users/", undefined, { email, password });
    const { session_key: session } = await api<{ session_key: string }>(
      server.url,
      "POST",
      "/api/v0/auth/login/",
      undefined,
      { email, password },
    );
    const keyCount = Math.min(options.activeKeys, 64);
    const keys: string[] = [];
    for (let i = 0; i < keyCount; i++) {
      const created = await api<{ key: string }>(
        server.url,
        "POST",
        "/api/v0/auth/apikeys/",
        session,
        {
          name: `bench ${i}`,
          permissions: { api: { user_read: {} } },
        },
      );
      keys.push(created.key);
    }
    const answer = await api(server.url, "GET", "/api/v0/users/current/", keys[0]);
    const { token } = await api<{ token: string }>(
      server.url,
      "POST",
      "/api/v0/verifiers/",
      session,
      {
        name: "bench service",
      },
    );
    const connections = options.connections[0] ?? 10;
    const runs: Record<Pattern, Record<Mode, Run[]>> = {
      rotating: { bare: [], verifier: [] },
      perConnection: { bare: [], verifier: [] },
    };
    const pairs: Record<Pattern, SlicePair[]> = { rotating: [], perConnection: [] };
    let calls = 0;
    const start = (mode: Mode) =>
      startBenchServer(
        {
          BENCH_BARE_ANSWER: JSON.stringify(answer),
          BENCH_SERVICE_MODE: mode,
          LATCHKEY_URL: server.url,
          LATCHKEY_VERIFIER_TOKEN: token,
        },
        join(dir, `service-${mode}.log`),
        options.cpuProfDir === undefined
          ? []
          : [
              "--cpu-prof",
              `--cpu-prof-dir=${resolve(options.cpuProfDir)}`,
              `--cpu-prof-name=service-${mode}-${Date.now()}.cpuprofile`,
            ],
        { script: SERVICE, readyPath: "/ready" },
      );
    const slices = Math.max(1, Math.round(options.duration / SLICE_SECONDS));
    const sliceSeconds = options.duration / slices;
    for (let round = 0; round < options.rounds; round++) {
      const started = await Promise.all([start("bare"), start("verifier")]);
      servers.push(...started);
      const [bare, protectedService] = started as [BenchServer, BenchServer];
      const service: Record<Mode, BenchServer> = { bare, verifier: protectedService };
      try {
        if (options.warmup > 0) {
          for (const mode of MODES)
            await fire(service[mode].url, keys, options.warmup, connections);
        }
        const before = await api<{ calls: number }>(service.verifier.url, "GET", "/stats");
        for (let k = 0; k < slices; k++) {
          for (const pattern of PATTERNS) {
            // The services take turns, and the first of a pair alternates.
            const order = (round * slices + k) % 2 === 0 ? MODES : ([...MODES].reverse() as Mode[]);
            const pair = {} as Record<Mode, Run>;
            for (const mode of order) {
              const cpuBefore = service[mode].cpuMs();
              const fired = await fire(service[mode].url, keys, sliceSeconds, connections, pattern);
              const cpuAfter = service[mode].cpuMs();
              pair[mode] = {
                ...fired,
                cpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
              };
              runs[pattern][mode].push(pair[mode]);
            }
            pairs[pattern].push(pairRatio(summarise([pair.bare]), summarise([pair.verifier])));
          }
        }
        calls +=
          (await api<{ calls: number }>(service.verifier.url, "GET", "/stats")).calls -
          before.calls;
      } finally {
        for (const s of started) servers.splice(servers.indexOf(s), 1);
        await Promise.all(started.map((s) => s.stop()));
      }
      log(`  protected service, round ${round + 1} of ${options.rounds}`);
    }

    // Delete latency with N verifiers connected (one token, N streams: N processes' worth).
    const deletes: VerifierCaseResult["deletes"] = [];
    const perCount = options.quick ? 10 : 30;
    for (const count of VERIFIER_COUNTS) {
      const verifiers = Array.from(
        { length: count },
        () => new Verifier({ url: server.url, token }),
      );
      try {
        await Promise.all(verifiers.map((v) => v.ready()));
        const times: number[] = [];
        for (let i = 0; i < perCount; i++) {
          const { id, key } = await api<{ id: number; key: string }>(
            server.url,
            "POST",
            "/api/v0/auth/apikeys/",
            session,
            { name: `doomed ${i}` },
          );
          // Every verifier holds the key's verdict, as services using it would.
          await Promise.all(verifiers.map((v) => v.verify({ key })));
          const started = performance.now();
          await api(server.url, "DELETE", `/api/v0/auth/apikeys/${id}/`, session);
          times.push(performance.now() - started);
        }
        times.sort((a, b) => a - b);
        deletes.push({
          verifiers: count,
          count: times.length,
          p50: r2(percentile(times, 50)),
          p99: r2(percentile(times, 99)),
          max: r2(times[times.length - 1] ?? 0),
        });
        log(
          `  delete with ${count} verifiers connected: p50 ${percentile(times, 50).toFixed(1)} ms`,
        );
      } finally {
        await Promise.all(verifiers.map((v) => v.close()));
      }
    }
    return {
      connections,
      rounds: options.rounds,
      durationSeconds: options.duration,
      sliceSeconds: r2(sliceSeconds),
      keys: keyCount,
      ...patternResult(runs.rotating, pairs.rotating),
      oneKeyPerConnection: patternResult(runs.perConnection, pairs.perConnection),
      callsWhileMeasured: calls,
      deletes,
    };
  } finally {
    await stopAll();
    await removeDir();
  }
}

function pairRatio(bare: Load, verifier: Load): SlicePair {
  return {
    requestsPerSecond:
      bare.requestsPerSecond === 0 ? 0 : r3(verifier.requestsPerSecond / bare.requestsPerSecond),
    p99: bare.p99 === 0 ? Number.POSITIVE_INFINITY : r3(verifier.p99 / bare.p99),
  };
}

function patternResult(runs: Record<Mode, Run[]>, pairs: SlicePair[]): PatternResult {
  return {
    bare: summarise(runs.bare),
    verifier: summarise(runs.verifier),
    pairs,
    median: {
      requestsPerSecond: r3(median(pairs.map((q) => q.requestsPerSecond))),
      p99: r3(median(pairs.map((q) => q.p99))),
    },
  };
}

export function verifierTargets(r: VerifierCaseResult): TargetResult[] {
  const backend = "sqlite";
  const at = `${r.connections} connections, ${r.keys} keys held`;
  const { requestsPerSecond: share, p99 } = r.median;
  const of = `median of ${r.pairs.length} pairs of ${r.sliceSeconds} s slices`;
  const unexpected = [r, r.oneKeyPerConnection].reduce(
    (n, p) => n + p.bare.unexpected + p.verifier.unexpected,
    0,
  );
  return [
    {
      backend,
      name: `protected service with requireKey({ verifier }) req/s ≥ ${VERIFIER_TARGETS.throughput.toFixed(2)}× unprotected (${at})`,
      pass: share >= VERIFIER_TARGETS.throughput,
      detail: `${share.toFixed(2)}× (${of}, middle half ${quartiles(r.pairs.map((q) => q.requestsPerSecond))}; pooled ${r.verifier.requestsPerSecond} of ${r.bare.requestsPerSecond} req/s)`,
    },
    {
      backend,
      name: `protected service p99 ≤ ${VERIFIER_TARGETS.p99}× unprotected (${at})`,
      pass: p99 <= VERIFIER_TARGETS.p99,
      detail: `${p99.toFixed(2)}× (${of}, middle half ${quartiles(r.pairs.map((q) => q.p99))}; pooled ${r.verifier.p99.toFixed(2)} ms vs ${r.bare.p99.toFixed(2)} ms)`,
    },
    {
      backend,
      name: `protected service: every answer 200, no verify call while measured (${at})`,
      pass: unexpected === 0 && r.callsWhileMeasured === 0,
      detail: `${unexpected} unexpected answers, ${r.callsWhileMeasured} verify calls`,
    },
  ];
}

const quartiles = (values: readonly number[]) => middleHalf(values, (v) => v.toFixed(2));

export function verifierSection(r: VerifierCaseResult): string {
  const one = r.oneKeyPerConnection;
  const ratios = (p: PatternResult) =>
    `${p.median.requestsPerSecond.toFixed(2)}× the req/s, ${p.median.p99.toFixed(2)}× the p99`;
  const lines = [
    `Protected service (one SQLite node): a bare Fastify service of case (0)'s shape, unprotected and behind requireKey({ verifier }), ${r.keys} keys all held by the verifier; ${r.rounds} rounds, each in two fresh processes, of ${r.durationSeconds} s per service and load in slices of ${r.sliceSeconds} s taking turns, at ${r.connections} connections. Ratios: the median over the pairs of slices of each pair's ratio; the table pools every slice.`,
    `Every key in turn on each connection (the targets): ${ratios(r)}. One key per connection (each client its own key on a kept-alive connection): ${ratios(one)}.`,
    "| service | load | req/s | p50 ms | p99 ms | service µs/req |",
    "|---|---|---:|---:|---:|---:|",
    ...(
      [
        ["unprotected", "keys in turn", r.bare],
        ["requireKey({ verifier })", "keys in turn", r.verifier],
        ["unprotected", "a key per connection", one.bare],
        ["requireKey({ verifier })", "a key per connection", one.verifier],
      ] as const
    ).map(
      ([label, load, l]) =>
        `| ${label} | ${load} | ${l.requestsPerSecond} | ${l.p50.toFixed(2)} | ${l.p99.toFixed(2)} | ${l.cpuUsPerRequest?.toFixed(1) ?? "–"} |`,
    ),
    "",
    "DELETE /auth/apikeys/{id}/ with N verifiers connected (each holding the key's verdict):",
    "| verifiers | deletes | p50 ms | p99 ms | max ms |",
    "|---:|---:|---:|---:|---:|",
    ...r.deletes.map(
      (d) =>
        `| ${d.verifiers} | ${d.count} | ${d.p50.toFixed(1)} | ${d.p99.toFixed(1)} | ${d.max.toFixed(1)} |`,
    ),
  ];
  return lines.join("\n");
}
