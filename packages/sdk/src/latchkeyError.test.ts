import type { errorCodes } from "@latchkey/core";
import { describe, expect, expectTypeOf, it } from "vitest";
import { type ClientErrorCode, LatchkeyError, type LatchkeyErrorCode } from "./latchkeyError.js";
import type { ErrorCode } from "./types.js";

describe("LatchkeyError.code", () => {
  it("is typed with the server's catalogue and the SDK's own codes, and still takes new ones", () => {
    expectTypeOf<LatchkeyError["code"]>().toEqualTypeOf<LatchkeyErrorCode>();
    // The generated union is the catalogue's codes, not a bare string.
    expectTypeOf<(typeof errorCodes)[number]>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<string>().not.toExtend<ErrorCode>();
    expectTypeOf<ErrorCode>().toExtend<LatchkeyErrorCode>();
    expectTypeOf<ClientErrorCode>().toExtend<LatchkeyErrorCode>();
    expectTypeOf<"http_502">().toExtend<ClientErrorCode>();
    // A code a newer server added is still a code.
    expectTypeOf<string>().toExtend<LatchkeyErrorCode>();

    const err = new LatchkeyError({ status: 418, code: "teapot_refused", msg: "No." });
    expect(err.code).toBe("teapot_refused");
    expect(err.message).toBe("No. (teapot_refused, HTTP 418)");
  });
});
