import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { KEY_PATTERN, parseKey } from "@latchkey/core";
import { afterAll, describe, expect, test } from "vitest";
import type { RefusalFloodResult } from "./refusalFlood.js";
import type { BenchResults } from "./runBench.js";

const MAIN = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "main.js");
const work = mkdtempSync(join(tmpdir(), "latchkey-bench-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
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
  test("the quickest SQLite run measures all four cases at both sizes, writes valid JSON and cleans up", async () => {
    const out = join(work, "results");
    const scratch = join(work, "tmp");
    mkdirSync(scratch);
    // Its own TMPDIR, so that whatever the run leaves behind is visible here.
    const result = await run(
      [
        "--quick",
        "--sqlite-only",
        "--duration",
        "0.5",
        "--warmup",
        "0",
        "--rounds",
        "2",
        "--out",
        out,
      ],
      { TMPDIR: scratch },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\| sqlite \| +1,000 \| \(a\) GET \/healthz/);
    expect(result.stdout).toMatch(/^(PASS|FAIL) {2}sqlite/m);

    const files = readdirSync(out);
    expect(files).toHaveLength(1);
    const file = join(out, files[0] ?? "");
    expect(result.stdout).toContain(`Results written to ${file}`);
    const text = readFileSync(file, "utf8");
    const results = JSON.parse(text) as BenchResults;

    expect(results.settings.backends).toEqual(["sqlite"]);
    expect(results.scenarios.map((s) => [s.backend, s.keys])).toEqual([
      ["sqlite", 1000],
      ["sqlite", 10000],
    ]);
    const expected = { floor: "200", current_user: "200", verify: "200", unknown_key: "401" };
    for (const scenario of results.scenarios) {
      expect(Object.keys(scenario.cases).sort()).toEqual(Object.keys(expected).sort());
      for (const [name, status] of Object.entries(expected)) {
        const c = scenario.cases[name as keyof typeof expected];
        expect(c.responses).toBeGreaterThan(0);
        expect(c.unexpected).toBe(0);
        expect(c.statuses).toEqual({ [status]: c.responses });
        expect(c.requestsPerSecond).toBeGreaterThan(0);
        expect(c.latencyMs.p99).toBeGreaterThanOrEqual(c.latencyMs.p50);
        expect(c.latencyMs.p50).toBeGreaterThan(0);
      }
      // Each round ran in a server process of its own, and every case ran in each.
      const pids = scenario.cases.floor.rounds.map((r) => r.serverPid);
      expect(pids).toHaveLength(2);
      expect(new Set(pids).size).toBe(2);
      for (const c of Object.values(scenario.cases)) {
        expect(c.rounds.map((r) => r.serverPid)).toEqual(pids);
      }
      // The valid-key cases cycle through many keys, as real traffic would.
      expect(scenario.cases.current_user.distinctRequests).toBe(256);
      if (existsSync("/proc")) {
        expect(scenario.memory.afterLoad?.rssKb).toBeGreaterThan(0);
        expect(scenario.cases.current_user.serverCpuUsPerRequest).toBeGreaterThan(0);
      }
    }
    // 10 000 keys are enough to present four times the quick run's cache of 2 000.
    const steps = results.scenarios[1]?.memory.saturation ?? [];
    expect(steps.map((s) => s.distinctKeys)).toEqual([2000, 4000, 8000]);
    if (existsSync("/proc")) for (const s of steps) expect(s.memory?.rssKb).toBeGreaterThan(0);
    const targetNames = results.targets.map((t) => t.name).join("\n");
    expect(targetNames).toContain("(b) req/s ≥ 80% of (a)");
    expect(targetNames).toContain("(b) p99 ≤ 1.5× (a)'s");
    expect(targetNames).toContain("within 10%, 10,000 vs 1,000 keys");
    expect(targetNames).toContain("RSS after load grows");
    expect(targetNames).toContain("heap after load grows");
    expect(targetNames).toContain("from 4,000 to 8,000 distinct keys");
    expect(targetNames).toContain("from 4,000 to 8,000 distinct keys");
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
  }, 240_000);

  test("a usage error names the option and exits 2", async () => {
    const result = await run(["--sqlite-only", "--postgres-only"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--sqlite-only and --postgres-only exclude each other");
  });
});
