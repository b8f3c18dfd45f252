import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateKey, PepperRing, parsePeppers } from "@latchkey/core";
import { serverFastifyPath } from "./bareFastify.js";
import { openBenchStore, redactUrl } from "./benchStore.js";
import type { Cleanup } from "./cleanup.js";
import {
  CaseMeasurement,
  type CaseName,
  type CaseResult,
  type CaseSpec,
  type CaseTarget,
  warmUp,
} from "./loadCase.js";
import { describeMachine, type Machine } from "./machine.js";
import type { Backend, BenchOptions } from "./options.js";
import { type RevocationResult, runRevocation } from "./revocationCase.js";
import { seedKeys } from "./seedKeys.js";
import { type BenchServer, type Memory, startBenchServer } from "./serverProcess.js";
import { evaluateTargets, type TargetResult } from "./targets.js";
import { runVerifierCase, type VerifierCaseResult, verifierTargets } from "./verifierCase.js";

export const CASE_NAMES: readonly CaseName[] = [
  "bare_get",
  "bare_post",
  "floor",
  "current_user",
  "verify",
  "unknown_key",
  "current_user_info",
];

/** The bare Fastify app of case (0), built beside this file. */
const BARE = join(dirname(fileURLToPath(import.meta.url)), "bareFastify.js");

/**
 * Every limit off: the benchmark measures verification, not the limiter refusing a client
 * that sends thousands of requests a second from one address with one key.
 */
export const BENCH_LIMITS = {
  LATCHKEY_RATE_LIMIT: "0",
  LATCHKEY_SENSITIVE_RATE_LIMIT: "0",
  LATCHKEY_FAILED_AUTH_LIMIT: "0",
  LATCHKEY_VERIFY_RATE_LIMIT: "0",
  LATCHKEY_ACCOUNT_KEY_RATE_LIMIT: "0",
  LATCHKEY_ACCOUNT_MAX_KEYS: "0",
} as const;

/** Multiples of the cache size: distinct keys presented after the cases, in steps. */
export const SATURATION_STEPS = [1, 2, 4] as const;

export interface SaturationStep {
  /** Distinct keys presented so far (beyond the active ones). */
  distinctKeys: number;
  memory: Memory | null;
}

/**
 * Seconds between the server's batched last-use writes in the benchmark (the default is 10):
 * memory is read after a flush, so that it shows what the server keeps, not the uses waiting
 * to be written.
 */
export const USAGE_FLUSH_SECONDS = 2;

/** Every case's figures, the info-level one only where it ran. */
export type CaseResults = Record<Exclude<CaseName, "current_user_info">, CaseResult> & {
  current_user_info?: CaseResult;
};

/** The cases at one number of connections. */
export interface LoadResult {
  connections: number;
  cases: CaseResults;
}

export interface ScenarioResult {
  backend: Backend;
  keys: number;
  users: number;
  seedSeconds: number;
  /** The store's in-process page cache bound (see BenchStore.pageCacheKb). */
  storePageCacheKb: number;
  /** One per number of connections, in the order given. */
  loads: LoadResult[];
  memory: {
    /** After start-up and the active keys' first use. */
    idle: Memory | null;
    /** After the cases. */
    afterLoad: Memory | null;
    /** Only when the store holds enough keys to present four times the cache size. */
    saturation: SaturationStep[] | null;
  };
}

export interface BenchResults {
  version: 1;
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  settings: {
    quick: boolean;
    backends: Backend[];
    keyCounts: number[];
    durationSeconds: number;
    /** Rounds per scenario, each in a server process of its own. */
    rounds: number;
    warmupSeconds: number;
    connections: number[];
    activeKeys: number;
    cacheSize: number;
    postgresUrl: string | null;
    /** The server's environment, without its pepper. */
    serverEnv: Record<string, string>;
    /** The version of the `fastify` package both the server and case (0) run. */
    fastifyVersion: string;
    /** Whether (b) was also measured at log level info. */
    infoCase: boolean;
  };
  scenarios: ScenarioResult[];
  /** The revocation scenario (revocationCase.ts); null when it did not run. */
  revocation: RevocationResult | null;
  /** The protected-service case (verifierCase.ts); null when it did not run. */
  verifier?: VerifierCaseResult | null;
  targets: TargetResult[];
  pass: boolean;
}

export type Log = (line: string) => void;

/** Every case's requests; `unknown` are checksum-valid keys that were never issued. */
export function caseSpecs(
  active: readonly string[],
  unknown: readonly string[],
  infoCase: boolean,
): CaseSpec[] {
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  const currentUser = (keys: readonly string[]) =>
    keys.map((key) => ({
      method: "GET" as const,
      path: "/api/v0/users/current/",
      headers: bearer(key),
    }));
  const verify = (keys: readonly string[]) =>
    keys.map((key) => ({
      method: "POST" as const,
      path: "/api/v0/auth/verify/",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key, category: "instance_read" }),
    }));
  const all: CaseSpec[] = [
    // The same requests as (b) and (c), byte for byte in size, with keys never issued: the
    // bare app reads no header and echoes the body, so no live secret is sent to it.
    {
      name: "bare_get",
      target: "bare",
      zero: "bare_get",
      label: "(0) bare Fastify GET",
      method: "GET",
      path: "/api/v0/users/current/",
      requests: currentUser(unknown),
      expectStatus: 200,
    },
    {
      name: "bare_post",
      target: "bare",
      zero: "bare_post",
      label: "(0) bare Fastify POST, echo",
      method: "POST",
      path: "/api/v0/auth/verify/",
      requests: verify(unknown),
      expectStatus: 200,
    },
    {
      name: "floor",
      target: "server",
      zero: "bare_get",
      label: "(a) GET /healthz, no auth",
      method: "GET",
      path: "/healthz",
      requests: [{ method: "GET", path: "/healthz" }],
      expectStatus: 200,
    },
    {
      name: "current_user",
      target: "server",
      zero: "bare_get",
      label: "(b) GET /users/current/, valid key",
      method: "GET",
      path: "/api/v0/users/current/",
      requests: currentUser(active),
      expectStatus: 200,
    },
    {
      name: "verify",
      target: "server",
      zero: "bare_post",
      label: "(c) POST /auth/verify/, category",
      method: "POST",
      path: "/api/v0/auth/verify/",
      requests: verify(active),
      expectStatus: 200,
    },
    {
      name: "unknown_key",
      target: "server",
      zero: "bare_get",
      label: "(d) GET /users/current/, unknown key",
      method: "GET",
      path: "/api/v0/users/current/",
      requests: currentUser(unknown),
      expectStatus: 401,
    },
    {
      name: "current_user_info",
      target: "serverInfo",
      zero: "bare_get",
      label: "(b) at log level info",
      method: "GET",
      path: "/api/v0/users/current/",
      requests: currentUser(active),
      expectStatus: 200,
    },
  ];
  return all.filter((spec) => infoCase || spec.target !== "serverInfo");
}

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const answer = await fetch(url, init);
  const text = await answer.text();
  return { status: answer.status, body: text ? JSON.parse(text) : null };
}

/**
 * Checks that the server answers as the cases expect (so the benchmark never measures a
 * stream of errors), and puts the active keys in its cache as their first real use would.
 */
export async function checkAnswers(url: string, active: readonly string[], unknown: string) {
  for (const key of active) {
    const current = await json(`${url}/api/v0/users/current/`, {
      headers: { authorization: `Bearer ${key}` },
    });
    if (current.status !== 200) {
      throw new Error(
        `a seeded key was refused (${current.status}): ${JSON.stringify(current.body)}`,
      );
    }
    const verdict = await json(`${url}/api/v0/auth/verify/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key, category: "instance_read" }),
    });
    const code = (verdict.body as { code?: unknown } | null)?.code;
    if (verdict.status !== 200 || code !== "VALID") {
      throw new Error(
        `verify did not answer VALID for a seeded key: ${JSON.stringify(verdict.body)}`,
      );
    }
  }
  const refused = await json(`${url}/api/v0/users/current/`, {
    headers: { authorization: `Bearer ${unknown}` },
  });
  if (refused.status !== 401) throw new Error(`an unknown key got ${refused.status}, not 401`);
}

/** Presents each key once, `connections` at a time; every one must be accepted. */
async function touchKeys(url: string, keys: readonly string[], connections: number) {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++];
      const answer = await fetch(`${url}/api/v0/users/current/`, {
        headers: { authorization: `Bearer ${key}` },
      });
      await answer.arrayBuffer();
      if (answer.status !== 200) throw new Error(`a seeded key got ${answer.status}`);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
}

/** The server's answer to (b), which case (0)'s GET answers in the same size and shape. */
async function answerOf(url: string, active: readonly string[]): Promise<unknown> {
  const answer = await json(`${url}/api/v0/users/current/`, {
    headers: { authorization: `Bearer ${active[0] ?? ""}` },
  });
  if (answer.status !== 200) throw new Error(`GET /users/current/ answered ${answer.status}`);
  return answer.body;
}

function fastifyVersion(): string {
  const file = join(serverFastifyPath(), "..", "package.json");
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

const share = (n: number, of: number) =>
  `${of > 0 ? ((n / of) * 100).toFixed(0) : "–"}%`.padStart(4);

const ms = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

async function runScenario(
  backend: Backend,
  keys: number,
  options: BenchOptions,
  cleanup: Cleanup,
  serverEnv: Record<string, string>,
  log: Log,
): Promise<ScenarioResult> {
  const store = await openBenchStore(backend, options.postgresUrl);
  const disposeStore = cleanup.add(() => store.dispose());
  try {
    const pepper = `v1:${randomBytes(32).toString("hex")}`;
    const peppers = new PepperRing(parsePeppers(pepper));
    const most = Math.max(...SATURATION_STEPS) * options.cacheSize;
    const fill = keys >= options.activeKeys + most ? most : 0;
    const seedStart = performance.now();
    let reported = 0;
    const seeded = await seedKeys(
      store.db,
      peppers,
      { total: keys, retain: options.activeKeys + fill },
      (done) => {
        if (done - reported >= 200_000) {
          reported = done;
          log(`  seeding: ${done.toLocaleString("en")} keys`);
        }
      },
    );
    await store.finishSeeding();
    log(
      `  seeded ${keys.toLocaleString("en")} keys of ${seeded.users.toLocaleString("en")} accounts in ${ms(seedStart)}`,
    );
    const active = seeded.secrets.slice(0, options.activeKeys);
    const fillKeys = seeded.secrets.slice(options.activeKeys);
    // Checksum-valid keys that were never issued: they pass parseKey and need a lookup.
    const unknown = Array.from({ length: options.activeKeys }, () => generateKey("lk"));

    // Each round runs in server processes of its own, like JMH's forks: two processes of the
    // same code can differ by 10% in speed (JIT decisions, memory layout), which one process
    // per scenario would report as a difference between the scenarios.
    const baseEnv = { ...serverEnv, ...store.env, LATCHKEY_PEPPER: pepper };
    const start = (round: number) =>
      startBenchServer(
        baseEnv,
        join(store.dir, "server.log"),
        options.cpuProfDir === undefined
          ? []
          : [
              "--cpu-prof",
              `--cpu-prof-dir=${resolve(options.cpuProfDir)}`,
              `--cpu-prof-name=server-${backend}-${keys}-round${round + 1}.cpuprofile`,
            ],
      );
    // Its log (a line per request) is removed after each round: it is not what is measured.
    const infoLog = join(store.dir, "server-info.log");
    const startInfo = () => startBenchServer({ ...baseEnv, LATCHKEY_LOG_LEVEL: "info" }, infoLog);
    const startBare = (answer: unknown) =>
      startBenchServer(
        { BENCH_BARE_ANSWER: JSON.stringify(answer) },
        join(store.dir, "bare.log"),
        [],
        { script: BARE, readyPath: "/api/v0/users/current/" },
      );
    const firstUnknown = unknown[0] ?? generateKey("lk");
    const all = caseSpecs(active, unknown, options.infoCase);
    const onServer = all.filter((spec) => spec.target === "server" || spec.target === "bare");
    const onInfo = all.filter((spec) => spec.target === "serverInfo");
    const measurements = options.connections.map((connections) => ({
      connections,
      cases: all.map((spec) => new CaseMeasurement(spec)),
    }));
    const load = (connections: number) => ({
      duration: options.duration,
      warmup: options.warmup,
      connections,
    });
    const firstLoad = load(options.connections[0] ?? 10);
    /** Warms every case of `only` up once, then measures them in turn at each connection count. */
    const measure = async (targets: Partial<Record<CaseTarget, BenchServer>>, only: CaseSpec[]) => {
      const of = (spec: CaseSpec) => {
        const target = targets[spec.target];
        if (!target) throw new Error(`no process for ${spec.label}`);
        return target;
      };
      for (const spec of only) await warmUp(of(spec), spec, firstLoad);
      // Within a process the cases run in turn, so that a burst of other work on a shared
      // machine spreads over all of them instead of skewing one.
      for (const level of measurements) {
        for (const m of level.cases) {
          if (only.includes(m.spec)) await m.round(of(m.spec), load(level.connections));
        }
      }
    };

    let server: BenchServer | undefined;
    let stopServer = async () => {};
    let bareAnswer: unknown;
    let idle: Memory | null = null;
    // Memory is read once a batched usage write has gone out (see USAGE_FLUSH_SECONDS).
    const settledMemory = async () => {
      await new Promise((r) => setTimeout(r, USAGE_FLUSH_SECONDS * 1000 + 500));
      return (await server?.memory()) ?? null;
    };
    const logTail = () => server?.logTail() ?? "";
    try {
      for (let r = 0; r < options.rounds; r++) {
        let bare: BenchServer | undefined;
        const stopBare = cleanup.add(async () => await bare?.stop());
        try {
          // One Latchkey process at a time on the store: the info-level one first.
          if (onInfo.length > 0) {
            const info = await startInfo();
            const stopInfo = cleanup.add(() => info.stop());
            try {
              await checkAnswers(info.url, active, firstUnknown);
              bareAnswer ??= await answerOf(info.url, active);
              bare = await startBare(bareAnswer);
              await measure({ serverInfo: info, bare }, onInfo);
            } catch (err) {
              throw new Error(`${(err as Error).message}\nserver log:\n${info.logTail()}`);
            } finally {
              await stopInfo();
              rmSync(infoLog, { force: true });
            }
          }
          const current = await start(r);
          server = current;
          stopServer = cleanup.add(() => current.stop());
          await checkAnswers(current.url, active, firstUnknown);
          if (r === 0) idle = await settledMemory();
          bareAnswer ??= await answerOf(current.url, active);
          bare ??= await startBare(bareAnswer);
          await measure({ server: current, bare }, onServer);
          // The last round's process stays up for the memory readings below.
          if (r < options.rounds - 1) await stopServer();
        } finally {
          await stopBare();
        }
      }
      if (!server) throw new Error("no round ran");
      const loads: LoadResult[] = measurements.map((level) => {
        const cases = {} as CaseResults;
        for (const m of level.cases) cases[m.spec.name] = m.result();
        return { connections: level.connections, cases };
      });
      for (const { connections, cases } of loads) {
        log(`  ${connections} connections:`);
        for (const name of CASE_NAMES) {
          const result = cases[name];
          if (!result) continue;
          const spec = all.find((s) => s.name === name);
          const zero = spec ? cases[spec.zero].requestsPerSecond : 0;
          log(
            `    ${result.label.padEnd(38)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  ${share(result.requestsPerSecond, zero)} of (0)  ${share(result.requestsPerSecond, cases.floor.requestsPerSecond)} of (a)  p50 ${result.latencyMs.p50.toFixed(2)} ms  p99 ${result.latencyMs.p99.toFixed(2)} ms${result.unexpected ? `  (${result.unexpected} unexpected answers)` : ""}`,
          );
        }
      }
      const afterLoad = await settledMemory();
      let saturation: SaturationStep[] | null = null;
      if (fill > 0) {
        // Fills the cache, then presents ever more distinct keys: once the cache is full,
        // memory should stay flat however many keys are presented.
        saturation = [];
        let presented = 0;
        for (const step of SATURATION_STEPS) {
          const upTo = step * options.cacheSize;
          await touchKeys(server.url, fillKeys.slice(presented, upTo), firstLoad.connections);
          presented = upTo;
          saturation.push({ distinctKeys: upTo, memory: await settledMemory() });
        }
        const first = saturation[0]?.memory;
        if (first && afterLoad) {
          const perKey =
            ((first.heapUsedKb - afterLoad.heapUsedKb) * 1024) /
            (options.cacheSize - options.activeKeys);
          log(`  heap per cached key: about ${(perKey / 1024).toFixed(1)} KB`);
        }
        log(
          `  RSS after ${saturation.map((s) => `${s.distinctKeys.toLocaleString("en")} keys: ${((s.memory?.rssKb ?? 0) / 1024).toFixed(0)} MB`).join(", ")}`,
        );
      }
      return {
        backend,
        keys,
        users: seeded.users,
        seedSeconds: Math.round(seeded.seconds * 10) / 10,
        storePageCacheKb: store.pageCacheKb,
        loads,
        memory: { idle, afterLoad, saturation },
      };
    } catch (err) {
      const tail = logTail();
      throw tail ? new Error(`${(err as Error).message}\nserver log:\n${tail}`) : err;
    } finally {
      await stopServer();
    }
  } finally {
    await disposeStore();
  }
}

/** Runs every scenario (backend × store size) in turn and evaluates the targets. */
export async function runBench(
  options: BenchOptions,
  cleanup: Cleanup,
  log: Log,
): Promise<BenchResults> {
  const startedAt = new Date().toISOString();
  const serverEnv: Record<string, string> = {
    ...BENCH_LIMITS,
    LATCHKEY_USAGE_FLUSH_SECONDS: String(USAGE_FLUSH_SECONDS),
    LATCHKEY_KEY_CACHE_SIZE: String(options.cacheSize),
    LATCHKEY_LOG_LEVEL: options.logLevel,
  };
  const scenarios: ScenarioResult[] = [];
  const loadAverage = loadavg();
  const only = options.revocation === "only" || options.verifier === "only";
  for (const backend of only ? [] : options.backends) {
    for (const keys of options.keyCounts) {
      log(`${backend}, ${keys.toLocaleString("en")} keys:`);
      scenarios.push(await runScenario(backend, keys, options, cleanup, serverEnv, log));
    }
  }
  let revocation: RevocationResult | null = null;
  if (
    options.revocation !== "skip" &&
    options.verifier !== "only" &&
    options.backends.includes("postgres")
  ) {
    log("postgres, revocation under load:");
    revocation = await runRevocation(
      { ...options, connections: options.connections[0] ?? 10 },
      cleanup,
      serverEnv,
      log,
    );
  }
  let verifier: VerifierCaseResult | null = null;
  // --revocation-only is that scenario alone.
  if (options.verifier !== "skip" && options.revocation !== "only") {
    log("protected service with a verifier:");
    verifier = await runVerifierCase(options, cleanup, serverEnv, log);
  }
  const targets = [
    ...evaluateTargets(scenarios, options, revocation),
    ...(verifier ? verifierTargets(verifier) : []),
  ];
  return {
    version: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: describeMachine(loadAverage),
    settings: {
      quick: options.quick,
      backends: options.backends,
      keyCounts: options.keyCounts,
      durationSeconds: options.duration,
      rounds: options.rounds,
      warmupSeconds: options.warmup,
      connections: options.connections,
      activeKeys: options.activeKeys,
      cacheSize: options.cacheSize,
      postgresUrl: options.backends.includes("postgres") ? redactUrl(options.postgresUrl) : null,
      serverEnv,
      fastifyVersion: fastifyVersion(),
      infoCase: options.infoCase,
    },
    scenarios,
    revocation,
    verifier,
    targets,
    pass: targets.every((t) => t.pass),
  };
}
