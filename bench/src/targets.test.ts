import { describe, expect, test } from "vitest";
import type { CaseName, CaseResult } from "./loadCase.js";
import { parseOptions } from "./options.js";
import type { ScenarioResult } from "./runBench.js";
import { evaluateTargets, storeSizeShare } from "./targets.js";

const LABELS: Record<CaseName, string> = {
  floor: "(a) GET /healthz, no auth",
  current_user: "(b) GET /users/current/, valid key",
  verify: "(c) POST /auth/verify/, category",
  unknown_key: "(d) GET /users/current/, unknown key",
};

function caseResult(name: CaseName, requestsPerSecond: number): CaseResult {
  return {
    name,
    label: LABELS[name],
    method: "GET",
    path: "/",
    distinctRequests: 1,
    responses: requestsPerSecond,
    seconds: 1,
    requestsPerSecond,
    latencyMs: { mean: 0.2, p50: 0.2, p90: 0.3, p99: 0.5, max: 1 },
    serverCpuUsPerRequest: 20,
    clientCpuUsPerRequest: 15,
    statuses: { "200": requestsPerSecond },
    rounds: [],
    unexpected: 0,
    errors: 0,
    timeouts: 0,
  };
}

/** A scenario whose cases answered these many requests per second. */
function scenario(keys: number, rps: Record<CaseName, number>): ScenarioResult {
  const cases = Object.fromEntries(
    (Object.keys(rps) as CaseName[]).map((name) => [name, caseResult(name, rps[name])]),
  ) as Record<CaseName, CaseResult>;
  return {
    backend: "sqlite",
    keys,
    users: keys / 10,
    seedSeconds: 0,
    storePageCacheKb: 0,
    cases,
    memory: { idle: null, afterLoad: null, saturation: null },
  };
}

const options = parseOptions(["--sqlite-only"], {});
if (options === "help") throw new Error("unexpected --help");

describe("the store-size targets", () => {
  const small = scenario(1000, {
    floor: 60000,
    current_user: 50000,
    verify: 40000,
    unknown_key: 10000,
  });

  test("take each case against its own scenario's floor: a slower process is not a slower store", () => {
    // The whole second process runs 12% slower, the floor included.
    const large = scenario(1_000_000, {
      floor: 52800,
      current_user: 44000,
      verify: 35200,
      unknown_key: 8800,
    });
    const b = storeSizeShare(small, large, "current_user");
    expect(b.raw).toBeCloseTo(0.88, 5);
    expect(b.floor).toBeCloseTo(0.88, 5);
    expect(b.share).toBeCloseTo(1, 5);
    const verdicts = evaluateTargets([small, large], options).filter((t) =>
      t.name.includes("within"),
    );
    expect(verdicts).toHaveLength(3);
    expect(verdicts.every((t) => t.pass)).toBe(true);
    expect(verdicts[0]?.detail).toBe(
      "100% of the smaller store's, each against its own floor (raw 88%; the floors 88%)",
    );
  });

  test("still fail a case that slows down with the store while the floor does not", () => {
    const large = scenario(1_000_000, {
      floor: 60000,
      current_user: 50000,
      verify: 40000,
      unknown_key: 8500,
    });
    const verdicts = evaluateTargets([small, large], options).filter((t) =>
      t.name.includes("within"),
    );
    expect(verdicts.map((t) => [t.name.slice(0, 3), t.pass])).toEqual([
      ["(b)", true],
      ["(c)", true],
      ["(d)", false],
    ]);
  });
});
