import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as core from "@latchkey/core";
import { describe, expect, it } from "vitest";
import * as limits from "./limits.gen.js";

const sdkDir = join(import.meta.dirname, "..");

describe("limits.gen.ts", () => {
  it("is today's copy of core's limits (run `npm run generate -w @latchkey/sdk`)", () => {
    const out = join(tmpdir(), `limits-${process.pid}-${Date.now()}.gen.ts`);
    execFileSync(process.execPath, [join(sdkDir, "scripts", "generateLimits.mjs"), "--out", out], {
      stdio: "pipe",
    });
    expect(readFileSync(join(sdkDir, "src", "limits.gen.ts"), "utf8")).toBe(
      readFileSync(out, "utf8"),
    );
  });

  it("holds the values core exports, and the SDK exports them all", async () => {
    const fromCore = new Map<string, unknown>(Object.entries(core));
    const fromSdk = new Map<string, unknown>(Object.entries(await import("./index.js")));
    expect(Object.keys(limits).length).toBeGreaterThan(0);
    for (const [name, value] of Object.entries(limits)) {
      expect(fromCore.get(name), name).toBe(value);
      expect(fromSdk.get(name), name).toBe(value);
    }
  });
});
