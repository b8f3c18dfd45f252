import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { KEY_PATTERN, parseKey } from "@latchkey/core";
import { TEST_DATABASE_URL } from "@latchkey/testkit";
import { afterAll, describe, expect, test } from "vitest";
import type { MetricsCostResults } from "./metricsCost.js";
import type { RefusalFloodResult } from "./refusalFlood.js";
import type { BenchResults } from "./runBench.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MAIN = join(ROOT, "bench", "dist", "main.js");
const METRICS_COST = join(ROOT, "bench", "dist", "metricsCost.js");
const work = mkdtempSync(join(tmpdir(), "latchkey-bench-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}, script = MAIN) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Processes whose environment points into `dir` (servers the benchmark started there). */
function processesUsing(dir: string): number[] {
  if (!existsSync("/proc")) return [];
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "utf8").includes(dir)) found.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

describe("npm run bench", () => {
  test("the quickest SQLite run measures every case at both sizes and connection counts, writes valid JSON and cleans up", async () => {
    const out = join(work, "results");
    const scratch = join(work, "tmp");
    mkdirSync(scratch);
    // Its own TMPDIR, so that whatever the run leaves behind is visible here.
    const result = await run(
      [
        "--quick",
        "--sqlite-only",
        "--duration",
        "0.1",
        "--warmup",
        "0",
        "--rounds",
        "2",
        "--connections",
        "2,4",
        // Smaller than the quick run's sizes, in the same proportions: a cache of 200 and 64
        // distinct keys in (b)–(d), so that 2 000 keys present four times the cache.
        "--keys",
        "500,2000",
        "--cache-size",
        "200",
        "--active-keys",
        "64",
        "--out",
        out,
      ],
      { TMPDIR: scratch },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\| sqlite \| +500 \| +2 \| \(a\) GET \/healthz/);
    expect(result.stdout).toMatch(/\| sqlite \| +500 \| +4 \| \(0\) bare Fastify GET/);
    expect(result.stdout).toMatch(/^(PASS|FAIL) {2}sqlite/m);

    const files = readdirSync(out);
    expect(files).toHaveLength(1);
    const file = join(out, files[0] ?? "");
    expect(result.stdout).toContain(`Results written to ${file}`);
    const text = readFileSync(file, "utf8");
    const results = JSON.parse(text) as BenchResults;

    expect(results.settings.backends).toEqual(["sqlite"]);
    // The revocation scenario needs PostgreSQL: not part of a SQLite-only run.
    expect(results.revocation).toBeNull();
    // The protected-service case ran: both services answered, deletes timed at each N.
    expect(results.verifier?.bare.requestsPerSecond).toBeGreaterThan(0);
    expect(results.verifier?.verifier.requestsPerSecond).toBeGreaterThan(0);
    expect(results.verifier?.bare.unexpected).toBe(0);
    expect(results.verifier?.verifier.unexpected).toBe(0);
    // Measured in pairs of slices, one pair per round at this duration; the targets read the
    // median of the pairs' ratios.
    expect(results.verifier?.pairs).toHaveLength(2);
    for (const pair of results.verifier?.pairs ?? []) {
      expect(pair.requestsPerSecond).toBeGreaterThan(0);
      expect(pair.p99).toBeGreaterThan(0);
    }
    expect(result.stdout).toMatch(/protected service with requireKey.*median of 2 pairs/);
    // One key per connection too, reported beside the targets' load.
    const perConnection = results.verifier?.oneKeyPerConnection;
    expect(perConnection?.pairs).toHaveLength(2);
    expect(perConnection?.bare.requestsPerSecond).toBeGreaterThan(0);
    expect(perConnection?.verifier.requestsPerSecond).toBeGreaterThan(0);
    expect(perConnection?.bare.unexpected).toBe(0);
    expect(perConnection?.verifier.unexpected).toBe(0);
    expect(result.stdout).toMatch(/\| requireKey\(\{ verifier \}\) \| a key per connection \|/);
    expect(results.verifier?.deletes.map((d) => [d.verifiers, d.count])).toEqual([
      [1, 10],
      [10, 10],
      [100, 10],
    ]);
    expect(result.stdout).toMatch(/^(PASS|FAIL) {2}sqlite +protected service with requireKey/m);
    expect(results.scenarios.map((s) => [s.backend, s.keys])).toEqual([
      ["sqlite", 500],
      ["sqlite", 2000],
    ]);
    const expected = {
      bare_get: "200",
      bare_post: "200",
      floor: "200",
      current_user: "200",
      verify: "200",
      unknown_key: "401",
      current_user_info: "200",
    };
    for (const scenario of results.scenarios) {
      // Every case at each connection count asked for.
      expect(scenario.loads.map((l) => l.connections)).toEqual([2, 4]);
      for (const { cases } of scenario.loads) {
        expect(Object.keys(cases).sort()).toEqual(Object.keys(expected).sort());
        for (const [name, status] of Object.entries(expected)) {
          const c = cases[name as keyof typeof expected];
          if (!c) throw new Error(`no ${name} case`);
          expect(c.responses).toBeGreaterThan(0);
          expect(c.unexpected).toBe(0);
          expect(c.statuses).toEqual({ [status]: c.responses });
          expect(c.requestsPerSecond).toBeGreaterThan(0);
          expect(c.latencyMs.p99).toBeGreaterThanOrEqual(c.latencyMs.p50);
          expect(c.latencyMs.p50).toBeGreaterThan(0);
        }
        // Each round ran in server processes of their own, and every case ran in each: the
        // bare app's and the info-level server's processes too.
        const pids = cases.floor.rounds.map((r) => r.serverPid);
        expect(pids).toHaveLength(2);
        expect(new Set(pids).size).toBe(2);
        for (const c of [cases.current_user, cases.verify, cases.unknown_key]) {
          expect(c.rounds.map((r) => r.serverPid)).toEqual(pids);
        }
        const barePids = cases.bare_get.rounds.map((r) => r.serverPid);
        expect(cases.bare_post.rounds.map((r) => r.serverPid)).toEqual(barePids);
        const infoPids = cases.current_user_info?.rounds.map((r) => r.serverPid) ?? [];
        expect(new Set([...pids, ...barePids, ...infoPids]).size).toBe(6);
        // The valid-key cases cycle through many keys, as real traffic would.
        expect(cases.current_user.distinctRequests).toBe(64);
        if (existsSync("/proc")) {
          expect(cases.current_user.serverCpuUsPerRequest).toBeGreaterThan(0);
          expect(cases.bare_get.serverCpuUsPerRequest).toBeGreaterThan(0);
        }
      }
      if (existsSync("/proc")) expect(scenario.memory.afterLoad?.rssKb).toBeGreaterThan(0);
    }
    // Case (0) runs the server's own fastify package.
    const fastify = JSON.parse(
      readFileSync(join(ROOT, "node_modules", "fastify", "package.json"), "utf8"),
    ) as { version: string };
    expect(results.settings.fastifyVersion).toBe(fastify.version);
    // 2 000 keys are enough to present four times the cache of 200.
    const steps = results.scenarios[1]?.memory.saturation ?? [];
    expect(steps.map((s) => s.distinctKeys)).toEqual([200, 400, 800]);
    if (existsSync("/proc")) for (const s of steps) expect(s.memory?.rssKb).toBeGreaterThan(0);
    const targetNames = results.targets.map((t) => t.name).join("\n");
    expect(targetNames).toContain("(b) req/s ≥ 80% of (a)");
    expect(targetNames).toContain("(b) p99 ≤ 1.5× (a)'s");
    expect(targetNames).toContain("within 5%, 2,000 vs 500 keys, 2 connections");
    expect(targetNames).toContain("within 5%, 2,000 vs 500 keys, 4 connections");
    // Issue 16's: shares of case (0), at each store size and connection count.
    for (const at of ["500 keys, 2 connections", "2,000 keys, 4 connections"]) {
      expect(targetNames).toContain(`(a) req/s ≥ 0.90× (0) (${at})`);
      expect(targetNames).toContain(`(b) req/s ≥ 0.80× (0) (${at})`);
      expect(targetNames).toContain(`(b) p99 ≤ 1.5× (0)'s (${at})`);
      expect(targetNames).toContain(`(c) req/s ≥ 0.70× (0)'s POST (${at})`);
      expect(targetNames).toContain(`(d) req/s ≥ 0.40× (0) (${at})`);
      expect(targetNames).toContain(`(b) at log level info req/s ≥ 0.60× (0) (${at})`);
    }
    expect(targetNames).toContain("RSS after load grows");
    expect(targetNames).toContain("heap after load grows");
    expect(targetNames).toContain("from 400 to 800 distinct keys");
    expect(results.pass).toBe(results.targets.every((t) => t.pass));

    // (e) The refusal floods: limited after the per-key limit, the audit table barely growing.
    const floods = (results as BenchResults & { refusalFlood: RefusalFloodResult[] }).refusalFlood;
    expect(floods.map((f) => f.backend)).toEqual(["sqlite"]);
    const flood = floods[0];
    expect(flood?.floods.map((f) => f.name)).toEqual([
      "rest_one_address",
      "rest_many_addresses",
      "verify_ip",
      "verify_forbidden",
    ]);
    for (const f of flood?.floods ?? []) {
      expect(f.audited).toBeGreaterThan(0);
      expect(f.audited).toBeLessThan(f.requests);
      expect(f.auditCount).toBe(f.audited);
      expect(f.auditRows).toBeLessThanOrEqual(f.minutes);
    }
    expect(targetNames).toContain("(e1) audit grows ≤ 1 row per minute under a flood of refusals");

    // No secret in the results: neither a key nor the pepper.
    const keysInText = [...text.matchAll(KEY_PATTERN)].filter((m) => parseKey(m[0]) !== null);
    expect(keysInText).toEqual([]);
    expect(text).not.toContain("LATCHKEY_PEPPER");

    // Nothing left behind: no temp dirs, no server processes.
    expect(readdirSync(scratch)).toEqual([]);
    expect(processesUsing(scratch)).toEqual([]);
  }, 360_000);

  test("the revocation scenario on three PostgreSQL nodes reports its count and latencies", async () => {
    const out = join(work, "revocation-results");
    const scratch = join(work, "revocation-tmp");
    mkdirSync(scratch);
    const result = await run(
      [
        "--revocation-only",
        "--revocation-keys",
        "4",
        "--revocation-deletes",
        "1",
        "--revocation-resets",
        "1",
        "--revocation-load",
        "0.5",
        "--revocation-after",
        "0.5",
        "--connections",
        "2",
        "--postgres-url",
        TEST_DATABASE_URL,
        "--out",
        out,
      ],
      { TMPDIR: scratch },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Revocation under load: 3 PostgreSQL nodes, 4 keys in use");
    expect(result.stdout).toMatch(/^PASS {2}postgres accepted after revocation = 0/m);

    const files = readdirSync(out);
    expect(files).toHaveLength(1);
    const text = readFileSync(join(out, files[0] ?? ""), "utf8");
    const results = JSON.parse(text) as BenchResults;
    expect(results.scenarios).toEqual([]);
    const r = results.revocation;
    if (!r) throw new Error("no revocation results");
    expect([r.nodes, r.keys, r.deletes, r.resets]).toEqual([3, 4, 1, 1]);
    // The count that must be 0: a correctness check, not a speed one.
    expect(r.acceptedAfterRevocation).toBe(0);
    expect(r.acceptedAfterRevocationByNode).toEqual([0, 0, 0]);
    expect(r.latestAcceptedAfterMs).toBeNull();
    expect(r.stalePairs).toBe(0);
    expect(r.probes.after.accepted).toBe(0);
    expect(r.probes.afterLoad.accepted).toBe(0);
    // …and it counted something: both secrets were in use on all three nodes beforehand, and
    // requests with them started after the revocations answered (and were refused).
    expect(r.revokedPairs).toBe(6);
    expect(r.inUsePairs).toBe(6);
    expect(r.probes.before.accepted).toBeGreaterThan(0);
    expect(r.probes.after.refused).toBeGreaterThan(0);
    expect(r.probes.afterLoad.refused).toBe(12);
    expect(r.probes.errors).toBe(0);
    expect(r.liveRefused).toBe(0);
    expect(r.load.responses).toBeGreaterThan(0);
    expect(r.load.statuses["200"]).toBeGreaterThan(0);
    for (const kind of ["delete", "reset"] as const) {
      const l = r.latencyMs[kind];
      expect(l?.count).toBe(1);
      expect(l?.p50).toBeGreaterThan(0);
      expect(l?.p99).toBeGreaterThanOrEqual(l?.p50 ?? 0);
    }
    expect(r.nodeLog).toEqual({
      evictions: expect.any(Number),
      cacheDistrusted: expect.any(Number),
    });
    const names = results.targets.map((t) => t.name);
    expect(names).toEqual([
      "accepted after revocation = 0 (3 nodes, 1 deletes + 1 resets)",
      "every revoked secret in use on every node before (3 nodes, 1 deletes + 1 resets)",
      "revocation: every answer as expected (3 nodes, 1 deletes + 1 resets)",
    ]);
    expect(results.targets.map((t) => t.pass)).toEqual([true, true, true]);
    expect(results.pass).toBe(true);

    const keysInText = [...text.matchAll(KEY_PATTERN)].filter((m) => parseKey(m[0]) !== null);
    expect(keysInText).toEqual([]);
    expect(readdirSync(scratch)).toEqual([]);
    expect(processesUsing(scratch)).toEqual([]);
  }, 180_000);

  test("a usage error names the option and exits 2", async () => {
    const result = await run(["--sqlite-only", "--postgres-only"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--sqlite-only and --postgres-only exclude each other");
  });
});

describe("npm run bench:metrics", () => {
  const tiny = [
    "--rounds",
    "2",
    "--duration",
    "0.2",
    "--slice",
    "0.1",
    "--warmup",
    "0",
    "--connections",
    "2",
    "--keys",
    "50",
    "--active-keys",
    "8",
    "--scrape-interval",
    "0.2",
  ];

  test("measures each case on the server with and without metrics, in pairs of slices, and cleans up", async () => {
    const out = join(work, "metrics-cost-results");
    const scratch = join(work, "metrics-cost-tmp");
    mkdirSync(scratch);
    const result = await run([...tiny, "--check", "--out", out], { TMPDIR: scratch }, METRICS_COST);
    expect(result.stderr).toBe("");
    const files = readdirSync(out);
    expect(files).toHaveLength(1);
    const text = readFileSync(join(out, files[0] ?? ""), "utf8");
    const results = JSON.parse(text) as MetricsCostResults;
    // --check: status 3 exactly when a target was missed (a run this short says nothing of speed).
    expect(result.code).toBe(results.pass ? 0 : 3);
    expect(result.stdout).toMatch(
      /^\| \(b\) GET \/users\/current\/, valid key +\| +\d+ \| +\d+ \|/m,
    );
    expect(result.stdout).toMatch(/^(PASS|FAIL) {2}\(b\) req\/s with metrics ≥ 97\.0% of without/m);

    expect(results.kind).toBe("metrics-cost");
    expect(results.cases.map((c) => c.name)).toEqual(["floor", "current_user", "verify"]);
    const pids = { off: new Set<number>(), on: new Set<number>() };
    for (const c of results.cases) {
      for (const variant of ["off", "on"] as const) {
        const r = c[variant];
        expect(r.responses).toBeGreaterThan(0);
        expect(r.unexpected).toBe(0);
        // Two rounds of two slices each.
        expect(r.rounds).toHaveLength(4);
        for (const round of r.rounds) pids[variant].add(round.serverPid);
      }
      expect(c.pairs).toHaveLength(4);
      expect(c.median.requestsPerSecond).toBeGreaterThan(0);
    }
    // Each round in two fresh processes, none shared between the variants.
    expect(pids.off.size).toBe(2);
    expect(pids.on.size).toBe(2);
    expect([...pids.off].filter((pid) => pids.on.has(pid))).toEqual([]);
    // The metrics were on, scraped, and counted every measured request.
    expect(results.scrapes).toBeGreaterThan(0);
    expect(results.uncounted).toBe(0);
    const targets = Object.fromEntries(results.targets.map((t) => [t.name, t.pass]));
    expect(targets["every answer as expected, in both variants"]).toBe(true);
    expect(targets["the metrics-on server counted every measured request"]).toBe(true);
    for (const c of ["(a)", "(b)", "(c)"]) {
      expect(Object.keys(targets)).toContain(`${c} req/s with metrics ≥ 97.0% of without`);
      if (existsSync("/proc")) {
        expect(Object.keys(targets)).toContain(
          `${c} server CPU per request with metrics ≤ 103.0% of without`,
        );
      }
    }
    expect(results.pass).toBe(results.targets.every((t) => t.pass));

    const keysInText = [...text.matchAll(KEY_PATTERN)].filter((m) => parseKey(m[0]) !== null);
    expect(keysInText).toEqual([]);
    expect(text).not.toContain("LATCHKEY_PEPPER");
    expect(readdirSync(scratch)).toEqual([]);
    expect(processesUsing(scratch)).toEqual([]);
  }, 120_000);

  test("--calibrate measures two servers without metrics against each other", async () => {
    const out = join(work, "metrics-calibration-results");
    const result = await run(
      [...tiny, "--rounds", "1", "--calibrate", "--out", out],
      {},
      METRICS_COST,
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("calibration: both processes without metrics");
    const results = JSON.parse(
      readFileSync(join(out, readdirSync(out)[0] ?? ""), "utf8"),
    ) as MetricsCostResults;
    expect(results.settings.calibrate).toBe(true);
    expect(results.scrapes).toBe(0);
    expect(results.uncounted).toBeNull();
    expect(results.targets.map((t) => t.name)).not.toContain(
      "the metrics-on server counted every measured request",
    );
  }, 60_000);

  test("a usage error names the option and exits 2", async () => {
    const result = await run(["--slice", "0"], {}, METRICS_COST);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--slice: expected a positive number, got '0'");
    const tooMany = await run(["--keys", "10", "--active-keys", "20"], {}, METRICS_COST);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toContain("--active-keys (20) must not exceed --keys (10)");
  });
});
