import { describe, expect, it } from "vitest";
import { generateKey } from "./keyFormat.js";
import { findIllFormedText, formatFieldPath, illFormedTextMessage } from "./text.js";

describe("findIllFormedText", () => {
  it("finds nothing in well-formed text, astral characters and non-strings included", () => {
    const value = { name: "deploy 🔑 ключ", n: 1, ok: true, none: null, list: ["\ufffd", "𝄞"] };
    expect(findIllFormedText(value)).toBeNull();
    expect(findIllFormedText("plain")).toBeNull();
    expect(findIllFormedText(42)).toBeNull();
  });

  it.each([
    ["a lone high surrogate", "\ud800"],
    ["a lone low surrogate", "\udc00"],
    ["a reversed pair", "\udc00\ud800"],
    ["a pair cut off", "🔑\ud83d"],
  ])("finds %s and names its path", (_label, bad) => {
    expect(findIllFormedText({ a: [1, { b: bad }] })).toEqual({
      path: ["a", 1, "b"],
      inFieldName: false,
    });
  });

  it("finds a field name that is not text and names the object holding it", () => {
    expect(findIllFormedText({ a: { ok: 1, "x\ud800": 2 } })).toEqual({
      path: ["a"],
      inFieldName: true,
    });
    expect(findIllFormedText({ "\udfff": 1 })).toEqual({ path: [], inFieldName: true });
  });

  it("reports the first in document order", () => {
    expect(findIllFormedText({ a: "fine", b: ["\ud800"], c: "\ud800" })?.path).toEqual(["b", 0]);
  });

  it("walks a body nested far deeper than the call stack would allow", () => {
    let deep: unknown = "\ud800";
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const found = findIllFormedText(deep);
    expect(found?.path).toHaveLength(200_000);
    expect(formatFieldPath(found?.path ?? []).length).toBeLessThan(200);
  });
});

describe("formatFieldPath", () => {
  it("reads like code: dots for names, brackets for indexes and other names", () => {
    expect(formatFieldPath(["key_params", "ip_whitelist", 0])).toBe("key_params.ip_whitelist[0]");
    expect(
      formatFieldPath([
        "permissions",
        "api",
        "user_read",
        "api.users.current",
        "constraints",
        "id",
        "eq",
      ]),
    ).toBe('permissions.api.user_read["api.users.current"].constraints.id.eq');
    expect(formatFieldPath([])).toBe("body");
    expect(formatFieldPath([], "--permissions")).toBe("--permissions");
  });

  it("never shows a field name that may be a secret", () => {
    const key = generateKey();
    const path = formatFieldPath(["params", key, "x"]);
    expect(path).toBe("params[…].x");
    expect(path).not.toContain(key.slice(3, 20));
    expect(formatFieldPath(["a".repeat(65)])).toBe("[…]");
  });

  it("puts the path and the problem in the message, never the string", () => {
    const secret = "hunter2-secret";
    const found = findIllFormedText({ password: `${secret}\ud800` });
    expect(found).not.toBeNull();
    const message = illFormedTextMessage(found ?? { path: [], inFieldName: false });
    expect(message).toMatch(/^password: not valid text/);
    expect(message).not.toContain(secret);
  });
});
