import type { CaseName } from "./loadCase.js";
import type { BenchOptions } from "./options.js";
import type { RevocationResult } from "./revocationCase.js";
import type { ScenarioResult } from "./runBench.js";

/** Issue 8's targets, as ratios, because absolute numbers depend on the machine. */
export const TARGETS = {
  /** (b) reaches at least this share of (a)'s requests/s… */
  authenticatedShareOfFloor: 0.8,
  /** …with a p99 at most this multiple of (a)'s. */
  authenticatedP99OverFloor: 1.5,
  /** The largest store's requests/s reach at least this share of the smallest store's. */
  largeStoreShare: 0.9,
  /**
   * Between the smallest and the largest store, the JavaScript heap may grow by at most this
   * share, and RSS by at most this share plus the store's own fixed page cache (SQLite's,
   * which fills once the database outgrows it)…
   */
  memoryGrowthAcrossStores: 0.1,
  /** …and, once the cache is full, between twice and four times its size in distinct keys. */
  memoryGrowthPastCache: 0.1,
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
const KEY_CASES: readonly CaseName[] = ["current_user", "verify", "unknown_key"];

export function evaluateTargets(
  scenarios: readonly ScenarioResult[],
  options: BenchOptions,
  revocation: RevocationResult | null = null,
): TargetResult[] {
  const out: TargetResult[] = [];
  for (const backend of options.backends) {
    const runs = scenarios.filter((s) => s.backend === backend).sort((a, b) => a.keys - b.keys);
    for (const run of runs) {
      const at = `${run.keys.toLocaleString("en")} keys`;
      const unexpected = Object.values(run.cases).reduce((n, c) => n + c.unexpected, 0);
      out.push({
        backend,
        name: `every answer as expected (${at})`,
        pass: unexpected === 0,
        detail: `${unexpected} unexpected answers or errors`,
      });
      const floor = run.cases.floor;
      const auth = run.cases.current_user;
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
    }
    const small = runs[0];
    const large = runs[runs.length - 1];
    if (!small || !large || small === large) continue;
    const sizes = `${large.keys.toLocaleString("en")} vs ${small.keys.toLocaleString("en")} keys`;
    for (const name of KEY_CASES) {
      const share = large.cases[name].requestsPerSecond / small.cases[name].requestsPerSecond;
      out.push({
        backend,
        name: `${large.cases[name].label.slice(0, 3)} req/s within ${pct(1 - TARGETS.largeStoreShare)}, ${sizes}`,
        pass: share >= TARGETS.largeStoreShare,
        detail: `${pct(share)} of the smaller store's`,
      });
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
