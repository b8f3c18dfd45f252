import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { components } from "./openapi.gen.js";
import type { ApiKey, PermissionTree } from "./types.js";

const sdkDir = join(import.meta.dirname, "..");

describe("openapi.gen.ts", () => {
  it("is what the server's OpenAPI document generates today (run `npm run generate -w @latchkey/sdk`)", () => {
    const out = join(tmpdir(), `openapi-${process.pid}-${Date.now()}.gen.ts`);
    execFileSync(process.execPath, [join(sdkDir, "scripts", "generate.mjs"), "--out", out], {
      stdio: "pipe",
    });
    const fresh = readFileSync(out, "utf8");
    const committed = readFileSync(join(sdkDir, "src", "openapi.gen.ts"), "utf8");
    expect(committed).toBe(fresh);
  });

  it("accepts every tree of the SDK's stricter PermissionTree type", () => {
    expectTypeOf<PermissionTree>().toExtend<NonNullable<components["schemas"]["Permissions"]>>();
    expectTypeOf<ApiKey>().toExtend<Omit<components["schemas"]["ApiKey"], "permissions">>();
  });
});
