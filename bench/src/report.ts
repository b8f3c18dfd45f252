import type { BenchResults } from "./runBench.js";
import { CASE_NAMES, SATURATION_STEPS } from "./runBench.js";
import type { Memory } from "./serverProcess.js";

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
    const floor = run.cases.floor.requestsPerSecond;
    for (const name of CASE_NAMES) {
      const c = run.cases[name];
      rows.push([
        run.backend,
        run.keys.toLocaleString("en"),
        c.label,
        c.requestsPerSecond.toFixed(0),
        `${((c.requestsPerSecond / floor) * 100).toFixed(0)}%`,
        c.latencyMs.p50.toFixed(2),
        c.latencyMs.p99.toFixed(2),
        c.serverCpuUsPerRequest === null ? "–" : c.serverCpuUsPerRequest.toFixed(0),
        c.clientCpuUsPerRequest.toFixed(0),
      ]);
    }
  }
  const speed = table(
    [
      "store",
      "keys",
      "case",
      "req/s",
      "of (a)",
      "p50 ms",
      "p99 ms",
      "server µs/req",
      "client µs/req",
    ],
    rows,
    new Set([1, 3, 4, 5, 6, 7, 8]),
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
    `Load: ${s.connections} connections; ${s.rounds} rounds, each in a fresh server process, of ${s.durationSeconds} s per case after ${s.warmupSeconds} s warm-up; ${s.activeKeys} distinct keys in (b)–(d); key cache ${s.cacheSize.toLocaleString("en")}; rate limits off`,
    "",
    "µs/req: CPU time (user + system) per answer of the server process and of the load generator.",
    speed,
    "",
    "Server memory after a full GC: RSS (JavaScript heap in use, MB); the cache-size columns after presenting that many distinct keys.",
    memory,
    "",
    targets,
    "",
    results.pass ? "All targets met." : "Some targets were missed (FAIL above).",
  ].join("\n");
}
