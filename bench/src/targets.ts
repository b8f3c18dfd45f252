import type { CaseName } from "./loadCase.js";
import type { BenchOptions } from "./options.js";
import type { RevocationResult } from "./revocationCase.js";
import type { CaseResults, ScenarioResult } from "./runBench.js";

/** Issue 8's targets, as ratios, because absolute numbers depend on the machine. */
export const TARGETS = {
  /** (b) reaches at least this share of (a)'s requests/s… */
  authenticatedShareOfFloor: 0.8,
  /** …with a p99 at most this multiple of (a)'s. */
  authenticatedP99OverFloor: 1.5,
  /**
   * The largest store's requests/s reach at least this share of the smallest store's, each as
   * a share of its own scenario's (0) (issue 16 raised it from issue 8's 90%).
   */
  largeStoreShare: 0.95,
  /**
   * Between the smallest and the largest store, the JavaScript heap may grow by at most this
   * share, and RSS by at most this share plus the store's own fixed page cache (SQLite's,
   * which fills once the database outgrows it)…
   */
  memoryGrowthAcrossStores: 0.1,
  /** …and, once the cache is full, between twice and four times its size in distinct keys. */
  memoryGrowthPastCache: 0.1,
} as const;

/**
 * Issue 16's targets: shares of case (0), the bare Fastify app of the same version measured in
 * the same rounds (its GET route; its POST route for (c)), so that they say how much of what
 * the framework allows Latchkey reaches, hooks included.
 */
export const LIMIT_TARGETS = {
  /** (a) GET /healthz: what the global hooks leave of the framework. */
  floor: 0.9,
  /** (b) a cached valid key… */
  currentUser: 0.8,
  /** …with a p99 at most this multiple of (0)'s. */
  currentUserP99: 1.5,
  /** (c) the verify API, against (0)'s POST route. */
  verify: 0.7,
  /** (d) a checksum-valid unknown key: a database look-up each. */
  unknownKey: 0.4,
  /** (b) against a server at log level info, the default: one line per request. */
  currentUserInfo: 0.6,
} as const;

export interface TargetResult {
  backend: string;
  name: string;
  pass: boolean;
  /** The measured figure against the target, for people. */
  detail: string;
}

const pct = (n: number) => `${(n * 100).toFixed(0)}%`;
const sign = (n: number) => `${n >= 0 ? "+" : ""}${pct(n)}`;
const MB = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;
const KEY_CASES = ["current_user", "verify", "unknown_key"] as const;

const ZERO_OF: Record<CaseName, "bare_get" | "bare_post"> = {
  bare_get: "bare_get",
  bare_post: "bare_post",
  floor: "bare_get",
  current_user: "bare_get",
  verify: "bare_post",
  unknown_key: "bare_get",
  current_user_info: "bare_get",
};

/** A case's requests/s as a share of its case (0)'s, in one scenario and connection count. */
export function shareOfZero(cases: CaseResults, name: CaseName): number | null {
  const c = cases[name];
  const zero = cases[ZERO_OF[name]].requestsPerSecond;
  return c && zero > 0 ? c.requestsPerSecond / zero : null;
}

export function evaluateTargets(
  scenarios: readonly ScenarioResult[],
  options: BenchOptions,
  revocation: RevocationResult | null = null,
): TargetResult[] {
  const out: TargetResult[] = [];
  for (const backend of options.backends) {
    const runs = scenarios.filter((s) => s.backend === backend).sort((a, b) => a.keys - b.keys);
    for (const run of runs) {
      const keys = `${run.keys.toLocaleString("en")} keys`;
      const unexpected = run.loads
        .flatMap((l) => Object.values(l.cases))
        .reduce((n, c) => n + (c?.unexpected ?? 0), 0);
      out.push({
        backend,
        name: `every answer as expected (${keys})`,
        pass: unexpected === 0,
        detail: `${unexpected} unexpected answers or errors`,
      });
      for (const { connections, cases } of run.loads) {
        const at = `${keys}, ${connections} connections`;
        const floor = cases.floor;
        const auth = cases.current_user;
        const share = auth.requestsPerSecond / floor.requestsPerSecond;
        out.push({
          backend,
          name: `(b) req/s ≥ ${pct(TARGETS.authenticatedShareOfFloor)} of (a) (${at})`,
          pass: share >= TARGETS.authenticatedShareOfFloor,
          detail: `${pct(share)} (${auth.requestsPerSecond.toFixed(0)} of ${floor.requestsPerSecond.toFixed(0)})`,
        });
        const p99 = auth.latencyMs.p99 / floor.latencyMs.p99;
        out.push({
          backend,
          name: `(b) p99 ≤ ${TARGETS.authenticatedP99OverFloor}× (a)'s (${at})`,
          pass: p99 <= TARGETS.authenticatedP99OverFloor,
          detail: `${p99.toFixed(2)}× (${auth.latencyMs.p99.toFixed(2)} ms vs ${floor.latencyMs.p99.toFixed(2)} ms)`,
        });
        out.push(...limitTargets(backend, at, cases));
      }
    }
    const small = runs[0];
    const large = runs[runs.length - 1];
    if (!small || !large || small === large) continue;
    const sizes = `${large.keys.toLocaleString("en")} vs ${small.keys.toLocaleString("en")} keys`;
    for (const largeLoad of large.loads) {
      const smallLoad = small.loads.find((l) => l.connections === largeLoad.connections);
      if (!smallLoad) continue;
      for (const name of KEY_CASES) {
        // Each store's figure as a share of its own (0): the scenarios run minutes apart, and
        // the machine's speed may have changed in between; (0) changes with it.
        const largeShare = shareOfZero(largeLoad.cases, name) ?? 0;
        const smallShare = shareOfZero(smallLoad.cases, name) ?? 0;
        const share = smallShare > 0 ? largeShare / smallShare : 0;
        const raw =
          largeLoad.cases[name].requestsPerSecond / smallLoad.cases[name].requestsPerSecond;
        out.push({
          backend,
          name: `${largeLoad.cases[name].label.slice(0, 3)} req/s within ${pct(1 - TARGETS.largeStoreShare)}, ${sizes}, ${largeLoad.connections} connections`,
          pass: share >= TARGETS.largeStoreShare,
          detail: `${pct(share)} of the smaller store's, as shares of (0) (${pct(largeShare)} vs ${pct(smallShare)}; ${pct(raw)} in req/s)`,
        });
      }
    }
    const smallMem = small.memory.afterLoad;
    const largeMem = large.memory.afterLoad;
    if (smallMem && largeMem) {
      const heapGrowth = largeMem.heapUsedKb / smallMem.heapUsedKb - 1;
      out.push({
        backend,
        name: `heap after load grows ≤ ${pct(TARGETS.memoryGrowthAcrossStores)}, ${sizes}`,
        pass: heapGrowth <= TARGETS.memoryGrowthAcrossStores,
        detail: `${MB(largeMem.heapUsedKb)} vs ${MB(smallMem.heapUsedKb)} (${sign(heapGrowth)})`,
      });
      const allowance = smallMem.rssKb * TARGETS.memoryGrowthAcrossStores + large.storePageCacheKb;
      const grown = largeMem.rssKb - smallMem.rssKb;
      out.push({
        backend,
        name: `RSS after load grows ≤ ${pct(TARGETS.memoryGrowthAcrossStores)}${large.storePageCacheKb ? ` + the ${MB(large.storePageCacheKb)} SQLite page cache` : ""}, ${sizes}`,
        pass: grown <= allowance,
        detail: `${MB(largeMem.rssKb)} vs ${MB(smallMem.rssKb)} (${grown >= 0 ? "+" : ""}${MB(grown)}, allowed +${MB(allowance)})`,
      });
    }
    const steps = large.memory.saturation ?? [];
    const twice = steps.find((s) => s.distinctKeys === 2 * options.cacheSize)?.memory;
    const fourTimes = steps.find((s) => s.distinctKeys === 4 * options.cacheSize)?.memory;
    if (twice && fourTimes) {
      const growth = fourTimes.rssKb / twice.rssKb - 1;
      const n = (k: number) => (k * options.cacheSize).toLocaleString("en");
      out.push({
        backend,
        name: `RSS grows ≤ ${pct(TARGETS.memoryGrowthPastCache)} from ${n(2)} to ${n(4)} distinct keys (cache ${n(1)})`,
        pass: growth <= TARGETS.memoryGrowthPastCache,
        detail: `${MB(fourTimes.rssKb)} vs ${MB(twice.rssKb)} (${sign(growth)}); heap ${MB(fourTimes.heapUsedKb)} vs ${MB(twice.heapUsedKb)}`,
      });
    }
  }
  if (revocation) out.push(...revocationTargets(revocation));
  return out;
}

/** Issue 16's targets at one scenario and connection count: shares of case (0). */
function limitTargets(backend: string, at: string, cases: CaseResults): TargetResult[] {
  const out: TargetResult[] = [];
  const share = (name: CaseName, min: number, what: string): TargetResult | undefined => {
    const c = cases[name];
    const ratio = shareOfZero(cases, name);
    if (!c || ratio === null) return undefined;
    const zero = cases[ZERO_OF[name]];
    return {
      backend,
      name: `${what} ≥ ${min.toFixed(2)}× (0)${ZERO_OF[name] === "bare_post" ? "'s POST" : ""} (${at})`,
      pass: ratio >= min,
      detail: `${ratio.toFixed(2)}× (${c.requestsPerSecond.toFixed(0)} of ${zero.requestsPerSecond.toFixed(0)} req/s)`,
    };
  };
  const rows = [
    share("floor", LIMIT_TARGETS.floor, "(a) req/s"),
    share("current_user", LIMIT_TARGETS.currentUser, "(b) req/s"),
  ];
  const p99 = cases.current_user.latencyMs.p99 / cases.bare_get.latencyMs.p99;
  rows.push({
    backend,
    name: `(b) p99 ≤ ${LIMIT_TARGETS.currentUserP99}× (0)'s (${at})`,
    pass: p99 <= LIMIT_TARGETS.currentUserP99,
    detail: `${p99.toFixed(2)}× (${cases.current_user.latencyMs.p99.toFixed(2)} ms vs ${cases.bare_get.latencyMs.p99.toFixed(2)} ms)`,
  });
  rows.push(
    share("verify", LIMIT_TARGETS.verify, "(c) req/s"),
    share("unknown_key", LIMIT_TARGETS.unknownKey, "(d) req/s"),
    share("current_user_info", LIMIT_TARGETS.currentUserInfo, "(b) at log level info req/s"),
  );
  for (const row of rows) if (row) out.push(row);
  return out;
}

/**
 * Issue 13's: with three nodes under load, no request that starts after a delete or reset
 * answered is accepted with the old secret, on any node. The count only means something if
 * every revoked secret was in use on every node beforehand, and nothing else went wrong.
 */
function revocationTargets(r: RevocationResult): TargetResult[] {
  const backend = "postgres";
  const at = `${r.nodes} nodes, ${r.deletes} deletes + ${r.resets} resets`;
  const after = r.probes.after.accepted + r.probes.after.refused;
  const afterLoad = r.probes.afterLoad.accepted + r.probes.afterLoad.refused;
  const unexpected = r.probes.errors + r.load.errors + r.load.timeouts + r.liveRefused;
  const strange = Object.entries(r.load.statuses)
    .filter(([status]) => status !== "200" && status !== "401")
    .reduce((n, [, count]) => n + count, 0);
  return [
    {
      backend,
      name: `accepted after revocation = 0 (${at})`,
      pass: r.acceptedAfterRevocation === 0,
      detail: `${r.acceptedAfterRevocation} accepted (by node ${r.acceptedAfterRevocationByNode.join(" / ")}; ${r.stalePairs} of ${r.revokedPairs} secret × node pairs) of ${after} requests started after the answer under load and ${afterLoad} after the load${r.latestAcceptedAfterMs === null ? "" : `; the latest started ${r.latestAcceptedAfterMs.toFixed(0)} ms after`}`,
    },
    {
      backend,
      name: `every revoked secret in use on every node before (${at})`,
      pass: r.inUsePairs === r.revokedPairs,
      detail: `${r.inUsePairs} of ${r.revokedPairs} secret × node pairs accepted before their revocation`,
    },
    {
      backend,
      name: `revocation: every answer as expected (${at})`,
      pass: unexpected + strange === 0,
      detail: `${r.probes.errors} probe errors, ${r.load.errors + r.load.timeouts} load errors, ${strange} load answers not 200/401, ${r.liveRefused} live secrets refused`,
    },
  ];
}
