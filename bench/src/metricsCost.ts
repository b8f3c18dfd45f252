import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { generateKey, PepperRing, parsePeppers } from "@latchkey/core";
import { openBenchStore } from "./benchStore.js";
import { Cleanup } from "./cleanup.js";
import {
  CaseMeasurement,
  type CaseName,
  type CaseResult,
  type CaseSpec,
  type LoadSettings,
  warmUp,
} from "./loadCase.js";
import { describeMachine, type Machine } from "./machine.js";
import { BENCH_LIMITS, caseSpecs, checkAnswers, USAGE_FLUSH_SECONDS } from "./runBench.js";
import { seedKeys } from "./seedKeys.js";
import { type BenchServer, freePort, startBenchServer } from "./serverProcess.js";
import { median, middleHalf } from "./stats.js";

/**
 * `npm run bench:metrics`: what collecting Prometheus metrics costs the hot path. The same
 * server runs twice, each time as a process of its own on its own copy of one seeded SQLite
 * store: without `LATCHKEY_METRICS_PORT` (no metrics at all) and with it (the metrics
 * listener on, scraped all along). Each case is measured in short slices, the two processes
 * taking turns (off-on, on-off, …), so that both see the same load on a shared machine, and
 * each slice's pair gives one ratio; each round starts both processes afresh. Issue 19's
 * target: at most 3% of the hot path, as the median of those ratios.
 */

/** The largest share of the hot path that collecting metrics may cost. */
export const METRICS_COST_TARGET = 0.03;

const MEASURED: readonly CaseName[] = ["floor", "current_user", "verify"];

const USAGE = `Usage: npm run bench:metrics -- [options]

Measures what collecting Prometheus metrics costs the hot path: the server without
LATCHKEY_METRICS_PORT against the server with it (its metrics listener scraped during the
load), each as a process of its own on a copy of the same SQLite store, on (a) GET /healthz,
(b) GET /api/v0/users/current/ with cached valid keys and (c) the verify API with a category.
Each case is measured in slices, the two processes taking turns, and each pair of slices
gives a ratio. Target (issue 19): with metrics, at most 3% fewer requests/s and at most 3%
more server CPU per request, as the median of those ratios.

Options:
  --quick                smoke run: 2 rounds of 1 s per case after 0.5 s of warm-up
  --rounds N             rounds, each in two fresh server processes (default 10; 2 with --quick):
                         two processes of the same code differ by up to 10%, so many short
                         rounds say more than a few long ones
  --duration S           seconds of measured load per case, variant and round (default 2)
  --slice S              seconds of load before the other process takes its turn (default 1)
  --warmup S             seconds of unmeasured load per case and process (default 1)
  --connections N        concurrent connections of the load generator (default 10)
  --keys N               keys in the store (default 1000)
  --active-keys N        distinct valid keys used by (b) and (c) (default 256)
  --scrape-interval S    seconds between scrapes of the metrics listener during a round
                         (default 1: more often than a stock Prometheus's 15 s)
  --calibrate            both processes without metrics: how far apart two identical servers
                         measure on this machine now (the noise the ratios carry)
  --out DIR              where to write the JSON results (default bench-results)
  --check                exit with status 3 when a target is missed
  --help                 this text
`;

class UsageError extends Error {}

export interface MetricsCostOptions {
  rounds: number;
  duration: number;
  /** Seconds per slice, before the other variant takes its turn. */
  slice: number;
  warmup: number;
  connections: number;
  keys: number;
  activeKeys: number;
  scrapeInterval: number;
  /** An A/A run: the "on" process without metrics too. */
  calibrate: boolean;
  outDir: string;
  check: boolean;
  quick: boolean;
}

function number(name: string, raw: string, { whole = false, zero = false } = {}): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (!zero && n === 0) || (whole && !Number.isInteger(n))) {
    throw new UsageError(
      `${name}: expected a ${whole ? "whole" : ""}${whole ? " " : ""}${zero ? "non-negative" : "positive"} number, got '${raw}'`,
    );
  }
  return n;
}

export function parseMetricsCostOptions(argv: readonly string[]): MetricsCostOptions | "help" {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return "help";
  const quick = values.quick ?? false;
  const options: MetricsCostOptions = {
    rounds: number("--rounds", values.rounds ?? (quick ? "2" : "10"), { whole: true }),
    duration: number("--duration", values.duration ?? (quick ? "1" : "2")),
    slice: number("--slice", values.slice ?? "1"),
    warmup: number("--warmup", values.warmup ?? (quick ? "0.5" : "1"), { zero: true }),
    connections: number("--connections", values.connections ?? "10", { whole: true }),
    keys: number("--keys", (values.keys ?? "1000").replaceAll("_", ""), { whole: true }),
    activeKeys: number("--active-keys", values["active-keys"] ?? "256", { whole: true }),
    scrapeInterval: number("--scrape-interval", values["scrape-interval"] ?? "1"),
    calibrate: values.calibrate ?? false,
    outDir: values.out ?? "bench-results",
    check: values.check ?? false,
    quick,
  };
  if (options.activeKeys > options.keys) {
    throw new UsageError(
      `--active-keys (${options.activeKeys}) must not exceed --keys (${options.keys})`,
    );
  }
  return options;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: "boolean" },
      rounds: { type: "string" },
      duration: { type: "string" },
      slice: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      keys: { type: "string" },
      "active-keys": { type: "string" },
      "scrape-interval": { type: "string" },
      calibrate: { type: "boolean" },
      out: { type: "string" },
      check: { type: "boolean" },
      help: { type: "boolean" },
    },
  });
}

type Variant = "off" | "on";

export interface MetricsCostCase {
  name: CaseName;
  label: string;
  off: CaseResult;
  on: CaseResult;
  /** Pooled over all rounds: on's requests/s over off's, and on's server CPU per request over off's. */
  pooled: { requestsPerSecond: number; serverCpuPerRequest: number | null };
  /** Each slice's pair, in order (the two variants measured back to back). */
  pairs: PairRatio[];
  /** The median of the pairs' ratios: what the targets are checked against. */
  median: { requestsPerSecond: number; serverCpuPerRequest: number | null };
}

export interface PairRatio {
  requestsPerSecond: number;
  serverCpuPerRequest: number | null;
}

export interface MetricsCostTarget {
  name: string;
  pass: boolean;
  detail: string;
}

export interface MetricsCostResults {
  version: 1;
  kind: "metrics-cost";
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  settings: Omit<MetricsCostOptions, "outDir" | "check"> & {
    /** The server's environment in both variants, without its pepper. */
    serverEnv: Record<string, string>;
  };
  cases: MetricsCostCase[];
  /** Scrapes of the metrics-on server during the rounds (all of them answered 200). */
  scrapes: number;
  /**
   * Answers to the measured requests that the metrics-on server's request histogram did not
   * count: 0 unless metrics were not collected at all; null in a calibration run.
   */
  uncounted: number | null;
  targets: MetricsCostTarget[];
  pass: boolean;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

function ratio(on: number | null, off: number | null): number | null {
  return on === null || off === null || off === 0 ? null : round3(on / off);
}

/** `_count` of the request histogram, per route pattern, from a scrape's text. */
function requestCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("latchkey_http_request_duration_seconds_count{")) continue;
    const route = /route="([^"]*)"/.exec(line)?.[1];
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (route !== undefined) counts.set(route, (counts.get(route) ?? 0) + value);
  }
  return counts;
}

/** The route pattern a case's requests are counted under. */
const ROUTE_OF: Partial<Record<CaseName, string>> = {
  floor: "/healthz",
  current_user: "/api/v0/users/current/",
  verify: "/api/v0/auth/verify/",
};

type Log = (line: string) => void;

export async function runMetricsCost(
  options: MetricsCostOptions,
  cleanup: Cleanup,
  log: Log,
): Promise<MetricsCostResults> {
  const startedAt = new Date().toISOString();
  const loadAverage = loadavg();
  const store = await openBenchStore("sqlite", "");
  const disposeStore = cleanup.add(() => store.dispose());
  try {
    const pepper = `v1:${randomBytes(32).toString("hex")}`;
    const seeded = await seedKeys(store.db, new PepperRing(parsePeppers(pepper)), {
      total: options.keys,
      retain: options.activeKeys,
    });
    await store.finishSeeding();
    log(`seeded ${options.keys.toLocaleString("en")} keys`);
    // One copy of the seeded store per variant: they never share a database file, and they
    // start from the same bytes.
    const dataDir = store.env.LATCHKEY_DATA_DIR ?? "";
    const dataDirs: Record<Variant, string> = {
      off: join(store.dir, "off"),
      on: join(store.dir, "on"),
    };
    cpSync(dataDir, dataDirs.off, { recursive: true });
    cpSync(dataDir, dataDirs.on, { recursive: true });

    const active = seeded.secrets;
    const unknown = generateKey("lk");
    const specs = caseSpecs(active, [], false).filter((s) => MEASURED.includes(s.name));
    const measurements: Record<Variant, CaseMeasurement[]> = {
      off: specs.map((s) => new CaseMeasurement(s)),
      on: specs.map((s) => new CaseMeasurement(s)),
    };
    const serverEnv: Record<string, string> = {
      ...BENCH_LIMITS,
      LATCHKEY_USAGE_FLUSH_SECONDS: String(USAGE_FLUSH_SECONDS),
      LATCHKEY_KEY_CACHE_SIZE: "10000",
      LATCHKEY_LOG_LEVEL: "warn",
    };
    const slices = Math.max(1, Math.round(options.duration / options.slice));
    const warm: LoadSettings = {
      duration: options.duration,
      warmup: options.warmup,
      connections: options.connections,
    };
    const slice: LoadSettings = { ...warm, duration: options.duration / slices };
    const metricsOn = !options.calibrate;
    let scrapes = 0;
    let uncounted = 0;

    for (let r = 0; r < options.rounds; r++) {
      const metricsPort = await freePort();
      const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
      const servers: Partial<Record<Variant, BenchServer>> = {};
      const stopAll = cleanup.add(async () => {
        await Promise.all(Object.values(servers).map((s) => s.stop()));
      });
      let scraper: NodeJS.Timeout | undefined;
      let scraping: Promise<void> = Promise.resolve();
      let scrapeError: Error | undefined;
      try {
        const env = (v: Variant) => ({
          ...serverEnv,
          LATCHKEY_DATA_DIR: dataDirs[v],
          LATCHKEY_PEPPER: pepper,
          ...(v === "on" && metricsOn ? { LATCHKEY_METRICS_PORT: String(metricsPort) } : {}),
        });
        // Which process starts (and warms up) first alternates too: in a run with metrics off
        // on both sides, the one started second measured a few percent faster.
        const first: Variant[] = r % 2 === 0 ? ["off", "on"] : ["on", "off"];
        for (const v of first) {
          servers[v] = await startBenchServer(env(v), join(store.dir, `server-${v}.log`));
        }
        const server = (v: Variant) => {
          const s = servers[v];
          if (!s) throw new Error(`no ${v} server`);
          return s;
        };
        for (const v of first) await checkAnswers(server(v).url, active, unknown);
        // Scraped all along, as Prometheus would, load or not.
        if (metricsOn) {
          scraper = setInterval(() => {
            scraping = scraping.then(async () => {
              try {
                await scrapeText(metricsUrl);
                scrapes++;
              } catch (err) {
                scrapeError ??= err as Error;
              }
            });
          }, options.scrapeInterval * 1000);
        }
        for (const v of first) {
          for (const spec of specs) await warmUp(server(v), spec, warm);
        }
        const before = metricsOn ? requestCounts(await scrapeText(metricsUrl)) : new Map();
        const measuredOn = new Map<CaseSpec, number>();
        // Each case in slices, the variants taking turns (off-on, then on-off, …), so that a
        // burst of other work on the machine falls on both alike.
        for (const [i, spec] of specs.entries()) {
          for (let k = 0; k < slices; k++) {
            const order: Variant[] = (r * slices + k) % 2 === 0 ? ["off", "on"] : ["on", "off"];
            for (const v of order) {
              const m = measurements[v][i];
              if (!m) continue;
              const answered = m.answers;
              await m.round(server(v), slice);
              if (v === "on")
                measuredOn.set(spec, (measuredOn.get(spec) ?? 0) + m.answers - answered);
            }
          }
        }
        if (scraper) clearInterval(scraper);
        scraper = undefined;
        await scraping;
        if (scrapeError) {
          throw new Error(`a scrape of the metrics listener failed: ${scrapeError.message}`);
        }
        if (metricsOn) {
          const after = requestCounts(await scrapeText(metricsUrl));
          for (const [spec, answers] of measuredOn) {
            const route = ROUTE_OF[spec.name] ?? "";
            const grew = (after.get(route) ?? 0) - (before.get(route) ?? 0);
            uncounted += Math.max(0, answers - grew);
          }
        }
        log(
          `round ${r + 1}/${options.rounds}: ${specs
            .map((s, i) => {
              const pairs = pairRatios(measurements, i).slice(r * slices);
              return `${s.label.slice(0, 3)} ${pct(median(pairs.map((q) => q.requestsPerSecond)))}`;
            })
            .join(", ")} of the metrics-off server's req/s (median of ${slices} slices)`,
        );
      } catch (err) {
        const tails = Object.entries(servers)
          .map(([v, s]) => `server (metrics ${v}) log:\n${s.logTail()}`)
          .join("\n");
        throw new Error(`${(err as Error).message}\n${tails}`);
      } finally {
        if (scraper) clearInterval(scraper);
        await scraping;
        await stopAll();
      }
    }

    const cases = specs.map((spec, i): MetricsCostCase => {
      const off = measurements.off[i]?.result();
      const on = measurements.on[i]?.result();
      if (!off || !on) throw new Error(`no results for ${spec.label}`);
      const pairs = pairRatios(measurements, i);
      // A slice too short for one clock tick of the server's CPU has no ratio: the median is
      // of the pairs that have one (none without /proc).
      const cpu = pairs.flatMap((q) =>
        q.serverCpuPerRequest === null ? [] : [q.serverCpuPerRequest],
      );
      return {
        name: spec.name,
        label: spec.label,
        off,
        on,
        pooled: {
          requestsPerSecond: ratio(on.requestsPerSecond, off.requestsPerSecond) ?? 0,
          serverCpuPerRequest: ratio(on.serverCpuUsPerRequest, off.serverCpuUsPerRequest),
        },
        pairs,
        median: {
          requestsPerSecond: round3(median(pairs.map((q) => q.requestsPerSecond))),
          serverCpuPerRequest: cpu.length === 0 ? null : round3(median(cpu)),
        },
      };
    });
    const targets = evaluate(cases, metricsOn ? uncounted : null);
    return {
      version: 1,
      kind: "metrics-cost",
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: describeMachine(loadAverage),
      settings: {
        rounds: options.rounds,
        duration: options.duration,
        slice: slice.duration,
        warmup: options.warmup,
        connections: options.connections,
        keys: options.keys,
        activeKeys: options.activeKeys,
        scrapeInterval: options.scrapeInterval,
        calibrate: options.calibrate,
        quick: options.quick,
        serverEnv,
      },
      cases,
      scrapes,
      uncounted: metricsOn ? uncounted : null,
      targets,
      pass: targets.every((t) => t.pass),
    };
  } finally {
    await disposeStore();
  }
}

/** Each slice's pair: the metrics-on figure over the metrics-off one measured beside it. */
function pairRatios(measurements: Record<Variant, CaseMeasurement[]>, i: number): PairRatio[] {
  const off = measurements.off[i]?.roundResults ?? [];
  const on = measurements.on[i]?.roundResults ?? [];
  return on.map((o, k) => ({
    requestsPerSecond: ratio(o.requestsPerSecond, off[k]?.requestsPerSecond ?? null) ?? 0,
    serverCpuPerRequest: ratio(o.serverCpuUsPerRequest, off[k]?.serverCpuUsPerRequest ?? null),
  }));
}

async function scrapeText(url: string): Promise<string> {
  const answer = await fetch(url);
  const text = await answer.text();
  if (answer.status !== 200) throw new Error(`GET ${url} answered ${answer.status}`);
  return text;
}

const pct = (n: number) => `${(n * 100).toFixed(1)}%`;

const quartiles = (values: readonly (number | null)[]) => middleHalf(values, pct);

function evaluate(
  cases: readonly MetricsCostCase[],
  uncounted: number | null,
): MetricsCostTarget[] {
  const out: MetricsCostTarget[] = [];
  const unexpected = cases.reduce((n, c) => n + c.off.unexpected + c.on.unexpected, 0);
  out.push({
    name: "every answer as expected, in both variants",
    pass: unexpected === 0,
    detail: `${unexpected} unexpected answers or errors`,
  });
  if (uncounted !== null) {
    out.push({
      name: "the metrics-on server counted every measured request",
      pass: uncounted === 0,
      detail: `${uncounted} answers missing from latchkey_http_request_duration_seconds_count`,
    });
  }
  for (const c of cases) {
    const short = c.label.slice(0, 3);
    const n = c.pairs.length;
    const rps = c.median.requestsPerSecond;
    out.push({
      name: `${short} req/s with metrics ≥ ${pct(1 - METRICS_COST_TARGET)} of without`,
      pass: rps >= 1 - METRICS_COST_TARGET,
      detail: `${pct(rps)} (median of ${n} pairs, middle half ${quartiles(c.pairs.map((q) => q.requestsPerSecond))}; pooled ${pct(c.pooled.requestsPerSecond)}: ${c.on.requestsPerSecond.toFixed(0)} vs ${c.off.requestsPerSecond.toFixed(0)} req/s)`,
    });
    const cpu = c.median.serverCpuPerRequest;
    if (cpu === null) continue;
    out.push({
      name: `${short} server CPU per request with metrics ≤ ${pct(1 + METRICS_COST_TARGET)} of without`,
      pass: cpu <= 1 + METRICS_COST_TARGET,
      detail: `${pct(cpu)} (median of ${c.pairs.filter((q) => q.serverCpuPerRequest !== null).length} of ${n} pairs, middle half ${quartiles(c.pairs.map((q) => q.serverCpuPerRequest))}; pooled ${pct(c.pooled.serverCpuPerRequest ?? 0)}: ${c.on.serverCpuUsPerRequest} vs ${c.off.serverCpuUsPerRequest} µs)`,
    });
  }
  return out;
}

export function formatMetricsCost(results: MetricsCostResults): string {
  const s = results.settings;
  const m = results.machine;
  const rows = results.cases.map((c) => [
    c.label,
    c.off.requestsPerSecond.toFixed(0),
    c.on.requestsPerSecond.toFixed(0),
    pct(c.median.requestsPerSecond),
    quartiles(c.pairs.map((q) => q.requestsPerSecond)),
    c.off.serverCpuUsPerRequest === null ? "–" : c.off.serverCpuUsPerRequest.toFixed(1),
    c.on.serverCpuUsPerRequest === null ? "–" : c.on.serverCpuUsPerRequest.toFixed(1),
    c.median.serverCpuPerRequest === null ? "–" : pct(c.median.serverCpuPerRequest),
    quartiles(c.pairs.map((q) => q.serverCpuPerRequest)),
    c.off.latencyMs.p99.toFixed(2),
    c.on.latencyMs.p99.toFixed(2),
  ]);
  const header = [
    "case",
    "req/s off",
    "req/s on",
    "on/off",
    "middle half",
    "µs/req off",
    "µs/req on",
    "on/off",
    "middle half",
    "p99 ms off",
    "p99 ms on",
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  const on = s.calibrate
    ? "calibration: both processes without metrics (an A/A run), so every difference is noise"
    : `on: the metrics listener on, scraped every ${s.scrapeInterval} s (${results.scrapes} scrapes)`;
  return [
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}; load average at start ${m.loadAverage.join(" ")}`,
    `Metrics cost: SQLite, ${s.keys.toLocaleString("en")} keys, ${s.activeKeys} distinct keys in (b) and (c); ${s.rounds} rounds, each in two fresh server processes, of ${s.duration} s per case and variant in slices of ${s.slice} s, after ${s.warmup} s warm-up; ${s.connections} connections; rate limits off, log level warn.`,
    `off: no LATCHKEY_METRICS_PORT; ${on}. on/off: the median over the pairs of slices of each pair's ratio; middle half: the pairs' 25th to 75th percentile.`,
    "",
    line(header),
    rule,
    ...rows.map(line),
    "",
    ...results.targets.map((t) => `${t.pass ? "PASS" : "FAIL"}  ${t.name}: ${t.detail}`),
    "",
    results.pass ? "All targets met." : "Some targets were missed (FAIL above).",
  ].join("\n");
}

async function main(argv: readonly string[]): Promise<number> {
  let options: MetricsCostOptions | "help";
  try {
    options = parseMetricsCostOptions(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench:metrics: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  const cleanup = new Cleanup();
  const report = (err: unknown) =>
    process.stderr.write(
      `bench:metrics: cleanup failed: ${err instanceof Error ? err.message : String(err)}\n`,
    );
  const interrupted = async (signal: NodeJS.Signals) => {
    process.stderr.write(`\nbench:metrics: ${signal}, cleaning up…\n`);
    await cleanup.runAll(report);
    process.exit(130);
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    const results = await runMetricsCost(options, cleanup, (l) => process.stdout.write(`${l}\n`));
    process.stdout.write(`\n${formatMetricsCost(results)}\n`);
    const dir = resolve(options.outDir);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `metrics-cost-${results.startedAt.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`Results written to ${file}\n`);
    return options.check && !results.pass ? 3 : 0;
  } catch (err) {
    process.stderr.write(`bench:metrics: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await cleanup.runAll(report);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `bench:metrics: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
