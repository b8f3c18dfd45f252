import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ApiError, errorCatalogue, errorCodes } from "./errors.js";

const docs = readFileSync(new URL("../../../docs/api.md", import.meta.url), "utf8");

describe("error catalogue", () => {
  it("is documented in docs/api.md, code by code, with the same status and message", () => {
    const documented = [
      ...docs.matchAll(/^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|\s*(.+?)\s*\|$/gm),
    ].map((m) => ({
      code: m[1],
      status: Number(m[2]),
      msg: m[3],
    }));
    expect(documented.map((d) => d.code).sort()).toEqual([...errorCodes].sort());
    for (const d of documented) {
      const entry = errorCatalogue[d.code as keyof typeof errorCatalogue];
      expect({ status: d.status, msg: d.msg }).toEqual({ status: entry.status, msg: entry.msg });
    }
  });

  it("builds the wire body", () => {
    const error = new ApiError("permission_denied", undefined, { required: { category: "misc" } });
    expect(error.status).toBe(403);
    expect(error.toBody()).toEqual({
      success: false,
      error: "permission_denied",
      msg: errorCatalogue.permission_denied.msg,
      required: { category: "misc" },
    });
  });

  it("uses only 4xx and 5xx statuses", () => {
    for (const code of errorCodes) expect(errorCatalogue[code].status).toBeGreaterThanOrEqual(400);
  });

  it("carries a stack trace only from 500 up, and leaves the process's stack limit alone", () => {
    const limit = Error.stackTraceLimit;
    const refused = new ApiError("invalid_api_key");
    expect(refused.stack).toBe(`ApiError: ${errorCatalogue.invalid_api_key.msg}`);
    const fault = new ApiError("internal_error");
    expect(fault.stack).toMatch(/\n\s+at /);
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error("plain").stack).toMatch(/\n\s+at /);
  });
});
