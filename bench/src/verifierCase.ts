import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Verifier } from "@latchkey/sdk";
import autocannon from "autocannon";
import type { Cleanup } from "./cleanup.js";
import type { BenchOptions } from "./options.js";
import { type BenchServer, startBenchServer } from "./serverProcess.js";
import type { TargetResult } from "./targets.js";

/**
 * The protected-service case (issue 18): a bare Fastify service of the same shape as case (0),
 * measured unprotected and behind `requireKey({ verifier })` with every key already held by
 * the verifier, in the same rounds; and how long a delete takes with N verifiers connected.
 * On one SQLite node: what it shows is the verifier's own cost, not the store's.
 */

export const VERIFIER_TARGETS = {
  /** With the verifier, at least this share of the unprotected service's requests/s… */
  throughput: 0.9,
  /** …with a p99 at most this multiple of its. */
  p99: 1.3,
} as const;

const SERVICE = join(dirname(fileURLToPath(import.meta.url)), "protectedService.js");
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

export interface VerifierCaseResult {
  connections: number;
  rounds: number;
  durationSeconds: number;
  keys: number;
  bare: Load;
  verifier: Load;
  /** The verifier's verify calls during the measured rounds (all keys held: 0 expected). */
  callsWhileMeasured: number;
  deletes: { verifiers: number; count: number; p50: number; p99: number; max: number }[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0
  );
}

const r2 = (n: number) => Math.round(n * 100) / 100;

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

/** autocannon against one service; latencies of every answer. */
function fire(
  url: string,
  keys: string[],
  seconds: number,
  connections: number,
): Promise<{ latencies: number[]; responses: number; unexpected: number; seconds: number }> {
  const latencies: number[] = [];
  let unexpected = 0;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/api/v0/users/current/`,
        connections,
        duration: seconds,
        timeout: 10,
        requests: keys.map((key) => ({
          method: "GET" as const,
          headers: { authorization: `Bearer ${key}` },
        })),
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
    const bareRuns: Run[] = [];
    const verifierRuns: Run[] = [];
    let calls = 0;
    const start = (mode: "bare" | "verifier") =>
      startBenchServer(
        {
          BENCH_BARE_ANSWER: JSON.stringify(answer),
          BENCH_SERVICE_MODE: mode,
          LATCHKEY_URL: server.url,
          LATCHKEY_VERIFIER_TOKEN: token,
        },
        join(dir, `service-${mode}.log`),
        [],
        { script: SERVICE, readyPath: "/ready" },
      );
    for (let round = 0; round < options.rounds; round++) {
      // Each round in fresh processes, in alternating order, as the other cases.
      const order =
        round % 2 === 0 ? (["bare", "verifier"] as const) : (["verifier", "bare"] as const);
      for (const mode of order) {
        const service = await start(mode);
        servers.push(service);
        try {
          if (options.warmup > 0) await fire(service.url, keys, options.warmup, connections);
          const before =
            mode === "verifier"
              ? await api<{ calls: number }>(service.url, "GET", "/stats")
              : undefined;
          const cpuBefore = service.cpuMs();
          const fired = await fire(service.url, keys, options.duration, connections);
          const cpuAfter = service.cpuMs();
          const run: Run = {
            ...fired,
            cpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
          };
          if (before)
            calls +=
              (await api<{ calls: number }>(service.url, "GET", "/stats")).calls - before.calls;
          (mode === "bare" ? bareRuns : verifierRuns).push(run);
        } finally {
          servers.splice(servers.indexOf(service), 1);
          await service.stop();
        }
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
      keys: keyCount,
      bare: summarise(bareRuns),
      verifier: summarise(verifierRuns),
      callsWhileMeasured: calls,
      deletes,
    };
  } finally {
    await stopAll();
    await removeDir();
  }
}

export function verifierTargets(r: VerifierCaseResult): TargetResult[] {
  const backend = "sqlite";
  const at = `${r.connections} connections, ${r.keys} keys held`;
  const share = r.verifier.requestsPerSecond / r.bare.requestsPerSecond;
  const p99 = r.verifier.p99 / r.bare.p99;
  return [
    {
      backend,
      name: `protected service with requireKey({ verifier }) req/s ≥ ${VERIFIER_TARGETS.throughput.toFixed(2)}× unprotected (${at})`,
      pass: share >= VERIFIER_TARGETS.throughput,
      detail: `${share.toFixed(2)}× (${r.verifier.requestsPerSecond} of ${r.bare.requestsPerSecond} req/s)`,
    },
    {
      backend,
      name: `protected service p99 ≤ ${VERIFIER_TARGETS.p99}× unprotected (${at})`,
      pass: p99 <= VERIFIER_TARGETS.p99,
      detail: `${p99.toFixed(2)}× (${r.verifier.p99.toFixed(2)} ms vs ${r.bare.p99.toFixed(2)} ms)`,
    },
    {
      backend,
      name: `protected service: every answer 200, no verify call while measured (${at})`,
      pass: r.bare.unexpected + r.verifier.unexpected === 0 && r.callsWhileMeasured === 0,
      detail: `${r.bare.unexpected + r.verifier.unexpected} unexpected answers, ${r.callsWhileMeasured} verify calls`,
    },
  ];
}

export function verifierSection(r: VerifierCaseResult): string {
  const lines = [
    `Protected service (one SQLite node): a bare Fastify service of case (0)'s shape, unprotected and behind requireKey({ verifier }), ${r.keys} keys all held by the verifier; ${r.rounds} rounds of ${r.durationSeconds} s at ${r.connections} connections, fresh processes each.`,
    "| service | req/s | p50 ms | p99 ms | service µs/req |",
    "|---|---:|---:|---:|---:|",
    ...(
      [
        ["unprotected", r.bare],
        ["requireKey({ verifier })", r.verifier],
      ] as const
    ).map(
      ([label, l]) =>
        `| ${label} | ${l.requestsPerSecond} | ${l.p50.toFixed(2)} | ${l.p99.toFixed(2)} | ${l.cpuUsPerRequest?.toFixed(1) ?? "–"} |`,
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
