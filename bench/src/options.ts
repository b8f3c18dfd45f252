import { parseArgs } from "node:util";

export type Backend = "sqlite" | "postgres";

/** What one `npm run bench` measures, from its command line. */
export interface BenchOptions {
  backends: Backend[];
  /** Keys in the store, one measured scenario per count (per backend). */
  keyCounts: number[];
  /** Seconds of measured load per case, and of unmeasured warm-up before it. */
  duration: number;
  warmup: number;
  /**
   * Concurrent connections of the load generator: every case is measured at each count. The
   * refusal floods and the revocation scenario use the first.
   */
  connections: number[];
  /** Distinct valid keys cycled through in the authenticated and verify cases. */
  activeKeys: number;
  /** The server's LATCHKEY_KEY_CACHE_SIZE. */
  cacheSize: number;
  postgresUrl: string;
  /** Where the JSON results go. */
  outDir: string;
  /** The server's LATCHKEY_LOG_LEVEL (request logging happens at "info"). */
  logLevel: string;
  /** Also measure (b) against a server at log level info, the default: one line per request. */
  infoCase: boolean;
  quick: boolean;
  /**
   * Each case runs this many times, interleaved with the others, each round in a fresh server
   * process; the figures pool all rounds.
   */
  rounds: number;
  /** Write the server's V8 CPU profile (node --cpu-prof) of each scenario into this directory. */
  cpuProfDir: string | undefined;
  /** Exit with status 3 when a target is missed. */
  check: boolean;
  /**
   * The revocation scenario (three PostgreSQL nodes, keys deleted and reset under load): run
   * after the others, skipped, or run alone. It runs only where PostgreSQL is measured.
   */
  revocation: "run" | "skip" | "only";
  /** The protected-service case (a service behind requireKey({ verifier }), verifierCase.ts). */
  verifier: "run" | "skip" | "only";
  /** Keys under verification load in it; the first deletes + resets of them are revoked. */
  revocationKeys: number;
  revocationDeletes: number;
  revocationResets: number;
  /** Seconds of load before the first revocation, and after the last one answered. */
  revocationLoad: number;
  revocationAfter: number;
}

export const USAGE = `Usage: npm run bench -- [options]

Measures requests/s, p50/p99 latency and server CPU per request of Latchkey's hot path:
(0) a bare Fastify app of the same version (a GET answering a JSON object of the size of (b)'s
answer, a POST echoing its body), the physical limit; (a) GET /healthz, (b) GET
/api/v0/users/current/ with valid keys, (c) the verify API with a category check, (d)
checksum-valid unknown keys, and (b) again against a server at log level info; for each store
size, backend and number of connections. Then, per backend, (e) floods of refused requests with
known keys: how they are answered and how much the audit table grows; and on PostgreSQL the
revocation scenario (below).

Options:
  --quick              smoke run: 1 000 and 10 000 keys, 10 connections, 2 s per case, 1 s warm-up
  --sqlite-only        only the embedded SQLite store
  --postgres-only      only PostgreSQL
  --keys LIST          store sizes, comma-separated (default 1000,1000000)
  --duration S         seconds of measured load per case and round (default 3)
  --rounds N           rounds of all cases, each in fresh server processes (default 5; 1 with --quick)
  --warmup S           seconds of unmeasured load per case before each round (default 3)
  --connections LIST   concurrent connections, comma-separated: every case at each (default
                       10,50; 10 with --quick); the floods and the revocation scenario use the first
  --active-keys N      distinct valid keys used by (b) and (c) (default 256)
  --cache-size N       the server's LATCHKEY_KEY_CACHE_SIZE (default 10000; 2000 with --quick,
                       so that the 10 000-key store can overfill it)
  --postgres-url URL   database to create a throw-away schema in
                       (default $LATCHKEY_BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test)
  --out DIR            where to write the JSON results (default bench-results)
  --log-level LEVEL    the server's log level (default warn: no per-request log lines)
  --skip-info-log      not the case of (b) against a server at log level info
  --cpu-prof DIR       write the server's CPU profile of each scenario (node --cpu-prof) into DIR
  --check              exit with status 3 when a target is missed
  --help               this text

The revocation scenario (after the others, whenever PostgreSQL is measured): three PostgreSQL
nodes under verification load (--connections per node, plus one prober per node and revoked
secret); keys in use are deleted and reset through one node, and no request that starts after
such a call answered may be accepted with the old secret, on any node.
  --revocation-only        only this scenario, on PostgreSQL (--keys, --duration, --rounds,
                           --warmup and --active-keys do not apply to it)
  --skip-revocation        not this scenario

The protected-service case (last; on SQLite, so it runs with --sqlite-only too): a bare Fastify service of case (0)'s shape, unprotected and
behind requireKey({ verifier }), every key held (target: >= 0.90x its requests/s, p99 <= 1.3x),
and the time a delete takes with 1, 10 and 100 verifiers connected (p50/p99).
  --verifier-only          only this case (--duration, --rounds, --warmup, --connections apply)
  --skip-verifier          not this case
  --revocation-keys N      keys under load (default 40; 12 with --quick)
  --revocation-deletes N   of them deleted, one after another (default 10; 3 with --quick)
  --revocation-resets N    of them reset, alternating with the deletes (default 10; 3 with --quick)
  --revocation-load S      seconds of load before the first revocation (default 3; 1 with --quick)
  --revocation-after S     seconds of load after the last revocation answered (default 3; 1 with --quick)
`;

export class UsageError extends Error {}

function positive(name: string, raw: string, allowZero = false): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new UsageError(
      `${name}: expected a ${allowZero ? "non-negative" : "positive"} number, got '${raw}'`,
    );
  }
  return n;
}

function wholeNumber(name: string, raw: string, allowZero = false): number {
  const n = positive(name, raw, allowZero);
  if (!Number.isInteger(n)) throw new UsageError(`${name}: expected a whole number, got '${raw}'`);
  return n;
}

/** Parses the command line; throws UsageError with a message for people. */
export function parseOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): BenchOptions | "help" {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values } = parsed;
  if (values.help) return "help";
  if (values["sqlite-only"] && values["postgres-only"]) {
    throw new UsageError("--sqlite-only and --postgres-only exclude each other");
  }
  const quick = values.quick ?? false;
  if (values["revocation-only"] && values["skip-revocation"]) {
    throw new UsageError("--revocation-only and --skip-revocation exclude each other");
  }
  if (values["verifier-only"] && values["skip-verifier"]) {
    throw new UsageError("--verifier-only and --skip-verifier exclude each other");
  }
  if (values["verifier-only"] && values["revocation-only"]) {
    throw new UsageError("--verifier-only and --revocation-only exclude each other");
  }
  if (values["revocation-only"] && values["sqlite-only"]) {
    throw new UsageError("--revocation-only needs PostgreSQL: drop --sqlite-only");
  }
  const backends: Backend[] = values["sqlite-only"]
    ? ["sqlite"]
    : values["postgres-only"] || values["revocation-only"]
      ? ["postgres"]
      : ["sqlite", "postgres"];
  const keyCounts = (values.keys ?? (quick ? "1000,10000" : "1000,1000000"))
    .split(",")
    .map((k) => wholeNumber("--keys", k.trim().replaceAll("_", "")));
  const options: BenchOptions = {
    backends,
    keyCounts,
    duration: positive("--duration", values.duration ?? (quick ? "2" : "3")),
    warmup: positive("--warmup", values.warmup ?? (quick ? "1" : "3"), true),
    connections: (values.connections ?? (quick ? "10" : "10,50"))
      .split(",")
      .map((c) => wholeNumber("--connections", c.trim())),
    activeKeys: wholeNumber("--active-keys", values["active-keys"] ?? "256"),
    cacheSize: wholeNumber("--cache-size", values["cache-size"] ?? (quick ? "2000" : "10000")),
    postgresUrl:
      values["postgres-url"] ??
      env.LATCHKEY_BENCH_DATABASE_URL ??
      "postgres://postgres@127.0.0.1:5432/test",
    outDir: values.out ?? "bench-results",
    logLevel: values["log-level"] ?? "warn",
    infoCase: !(values["skip-info-log"] ?? false),
    quick,
    rounds: wholeNumber("--rounds", values.rounds ?? (quick ? "1" : "5")),
    cpuProfDir: values["cpu-prof"],
    check: values.check ?? false,
    revocation: values["revocation-only"] ? "only" : values["skip-revocation"] ? "skip" : "run",
    verifier: values["verifier-only"] ? "only" : values["skip-verifier"] ? "skip" : "run",
    revocationKeys: wholeNumber(
      "--revocation-keys",
      values["revocation-keys"] ?? (quick ? "12" : "40"),
    ),
    revocationDeletes: wholeNumber(
      "--revocation-deletes",
      values["revocation-deletes"] ?? (quick ? "3" : "10"),
      true,
    ),
    revocationResets: wholeNumber(
      "--revocation-resets",
      values["revocation-resets"] ?? (quick ? "3" : "10"),
      true,
    ),
    revocationLoad: positive("--revocation-load", values["revocation-load"] ?? (quick ? "1" : "3")),
    revocationAfter: positive(
      "--revocation-after",
      values["revocation-after"] ?? (quick ? "1" : "3"),
    ),
  };
  const revoked = options.revocationDeletes + options.revocationResets;
  if (revoked === 0 || revoked > options.revocationKeys) {
    throw new UsageError(
      `--revocation-deletes plus --revocation-resets (${revoked}) must be between 1 and --revocation-keys (${options.revocationKeys})`,
    );
  }
  const smallest = Math.min(...options.keyCounts);
  if (options.activeKeys > smallest) {
    throw new UsageError(
      `--active-keys (${options.activeKeys}) must not exceed the smallest store (${smallest} keys)`,
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
      "sqlite-only": { type: "boolean" },
      "postgres-only": { type: "boolean" },
      keys: { type: "string" },
      duration: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      "active-keys": { type: "string" },
      "cache-size": { type: "string" },
      "postgres-url": { type: "string" },
      out: { type: "string" },
      "log-level": { type: "string" },
      "skip-info-log": { type: "boolean" },
      rounds: { type: "string" },
      "cpu-prof": { type: "string" },
      check: { type: "boolean" },
      "revocation-only": { type: "boolean" },
      "skip-revocation": { type: "boolean" },
      "verifier-only": { type: "boolean" },
      "skip-verifier": { type: "boolean" },
      "revocation-keys": { type: "string" },
      "revocation-deletes": { type: "string" },
      "revocation-resets": { type: "string" },
      "revocation-load": { type: "string" },
      "revocation-after": { type: "string" },
      help: { type: "boolean" },
    },
  });
}
