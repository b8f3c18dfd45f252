import { describe, expect, it } from "vitest";
import { bearerToken } from "./requireKey.js";

describe("bearerToken", () => {
  it("reads the exact form without a regular expression, and the loose forms with one", () => {
    expect(bearerToken("Bearer lk_abc")).toBe("lk_abc");
    expect(bearerToken("bearer lk_abc")).toBe("lk_abc");
    expect(bearerToken("BEARER lk_abc")).toBe("lk_abc");
    expect(bearerToken("Bearer   lk_abc")).toBe("lk_abc");
    expect(bearerToken("Bearer lk_abc \t")).toBe("lk_abc");
  });

  it("refuses what is not one bearer token", () => {
    for (const header of [
      "Bearer ",
      "Bearer",
      "Bearer lk_a lk_b",
      "Bearer lk_a\u00a0b",
      "Basic dXNlcjpwYXNz",
      "Bearerlk_abc",
      " Bearer lk_abc",
    ]) {
      expect(bearerToken(header), JSON.stringify(header)).toBeUndefined();
    }
  });
});
