import type { RevocationResult } from "./revocationCase.js";
import type { BenchResults } from "./runBench.js";
import { CASE_NAMES, SATURATION_STEPS } from "./runBench.js";
import type { Memory } from "./serverProcess.js";
import { shareOfZero } from "./targets.js";
import { verifierSection } from "./verifierCase.js";

const MB = (kb: number | undefined) => (kb === undefined ? "–" : `${(kb / 1024).toFixed(0)} MB`);
/** "RSS (heap)" after a full GC. */
const mem = (m: Memory | null | undefined) =>
  m ? `${MB(m.rssKb)} (${(m.heapUsedKb / 1024).toFixed(0)})` : "–";

function table(header: string[], rows: string[][], right: Set<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (right.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (right.has(i) ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** The results as Markdown tables (readable in a terminal, pasteable into docs/benchmarks.md). */
export function formatResults(results: BenchResults): string {
  const rows: string[][] = [];
  for (const run of results.scenarios) {
    for (const { connections, cases } of run.loads) {
      const floor = cases.floor.requestsPerSecond;
      for (const name of CASE_NAMES) {
        const c = cases[name];
        if (!c) continue;
        const zero = shareOfZero(cases, name);
        const zeroCpu =
          cases[name === "verify" || name === "bare_post" ? "bare_post" : "bare_get"]
            .serverCpuUsPerRequest;
        rows.push([
          run.backend,
          run.keys.toLocaleString("en"),
          String(connections),
          c.label,
          c.requestsPerSecond.toFixed(0),
          zero === null ? "–" : `${zero.toFixed(2)}×`,
          `${((c.requestsPerSecond / floor) * 100).toFixed(0)}%`,
          c.latencyMs.p50.toFixed(2),
          c.latencyMs.p99.toFixed(2),
          c.serverCpuUsPerRequest === null ? "–" : c.serverCpuUsPerRequest.toFixed(0),
          c.serverCpuUsPerRequest === null || !zeroCpu
            ? "–"
            : `${(c.serverCpuUsPerRequest / zeroCpu).toFixed(2)}×`,
          c.clientCpuUsPerRequest.toFixed(0),
        ]);
      }
    }
  }
  const speed = table(
    [
      "store",
      "keys",
      "conns",
      "case",
      "req/s",
      "of (0)",
      "of (a)",
      "p50 ms",
      "p99 ms",
      "server µs/req",
      "of (0)'s",
      "client µs/req",
    ],
    rows,
    new Set([1, 2, 4, 5, 6, 7, 8, 9, 10, 11]),
  );
  const memory = table(
    [
      "store",
      "keys",
      "seeded in",
      "RSS idle",
      "RSS after load",
      ...SATURATION_STEPS.map((k) => `RSS at ${k}× cache`),
      "RSS peak",
    ],
    results.scenarios.map((run) => {
      const steps = run.memory.saturation;
      const last = steps?.[steps.length - 1]?.memory ?? run.memory.afterLoad;
      return [
        run.backend,
        run.keys.toLocaleString("en"),
        `${run.seedSeconds.toFixed(1)} s`,
        mem(run.memory.idle),
        mem(run.memory.afterLoad),
        ...SATURATION_STEPS.map((k) =>
          mem(steps?.find((s) => s.distinctKeys === k * results.settings.cacheSize)?.memory),
        ),
        MB(last?.peakKb),
      ];
    }),
    new Set([1, 2, 3, 4, 5, 6, 7, 8]),
  );
  const targets = results.targets
    .map((t) => `${t.pass ? "PASS" : "FAIL"}  ${t.backend.padEnd(8)} ${t.name}: ${t.detail}`)
    .join("\n");
  const s = results.settings;
  const m = results.machine;
  return [
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}; load average at start ${m.loadAverage.join(" ")}`,
    ...(results.scenarios.length === 0
      ? []
      : [
          `Load: ${s.connections.join(" and ")} connections; ${s.rounds} rounds, each in fresh server processes, of ${s.durationSeconds} s per case and connection count after ${s.warmupSeconds} s warm-up; ${s.activeKeys} distinct keys in (b)–(d); key cache ${s.cacheSize.toLocaleString("en")}; rate limits off; server log level ${s.serverEnv.LATCHKEY_LOG_LEVEL ?? "?"}${s.infoCase ? " (and info for the info case)" : ""}; Fastify ${s.fastifyVersion}`,
          "",
          "of (0): requests/s as a share of the bare Fastify app's route of the same method (case (0), same rounds); of (a): of GET /healthz.",
          "µs/req: CPU time (user + system) per answer of the process answering and of the load generator; of (0)'s: the server's as a multiple of (0)'s (steadier than req/s on a busy machine).",
          speed,
          "",
          "Server memory after a full GC: RSS (JavaScript heap in use, MB); the cache-size columns after presenting that many distinct keys.",
          memory,
        ]),
    ...(results.revocation ? ["", revocationSection(results.revocation)] : []),
    ...(results.verifier ? ["", verifierSection(results.verifier)] : []),
    "",
    targets,
    "",
    results.pass ? "All targets met." : "Some targets were missed (FAIL above).",
  ].join("\n");
}

/** The revocation scenario: the count that must be 0, and the revoking calls' latency. */
function revocationSection(r: RevocationResult): string {
  const p = r.probes;
  const phases = table(
    ["requests with a revoked secret", "accepted", "refused"],
    (
      [
        ["started before the revoking call", p.before],
        ["started while it was under way (either answer is right)", p.during],
        ["started after its answer, under load (must be 0 accepted)", p.after],
        ["once the load stopped (must be 0 accepted)", p.afterLoad],
      ] as const
    ).map(([label, c]) => [label, String(c.accepted), String(c.refused)]),
    new Set([1, 2]),
  );
  const latency = table(
    ["call, through node 1, under load", "count", "p50 ms", "p99 ms", "max ms"],
    (["delete", "reset"] as const).map((kind) => {
      const l = r.latencyMs[kind];
      return [
        kind === "delete" ? "DELETE /auth/apikeys/{id}/" : "POST /auth/apikeys/{id}/reset/",
        String(l?.count ?? 0),
        l ? l.p50.toFixed(1) : "–",
        l ? l.p99.toFixed(1) : "–",
        l ? l.max.toFixed(1) : "–",
      ];
    }),
    new Set([1, 2, 3, 4]),
  );
  return [
    `Revocation under load: ${r.nodes} PostgreSQL nodes, ${r.keys} keys in use (${r.deletes} deleted, ${r.resets} reset, one after another through node 1), ${r.loadSeconds} s of load before and ${r.afterSeconds} s after; autocannon ${r.connectionsPerNode} connections per node (${r.load.requestsPerSecond.toFixed(0)} req/s in all) plus one prober per node and revoked secret.`,
    phases,
    "",
    latency,
    "",
    `Nodes' logs: ${r.nodeLog.evictions} evictions (a node did not acknowledge a revocation in time), ${r.nodeLog.cacheDistrusted} lease losses (a node stopped trusting its cache).`,
  ].join("\n");
}
