import { generateKey } from "@latchkey/core";
import { describe, expect, it } from "vitest";
import { explainRequest, redactKeys } from "./explain.js";

describe("explainRequest", () => {
  it("never prints a whole key, a password or a bearer, whatever it is given", () => {
    const key = generateKey();
    const text = explainRequest({
      method: "POST",
      url: "http://127.0.0.1:8080/api/v0/auth/verify/",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: { key, password: "hunter2 hunter2", note: `see ${key}` },
    });
    expect(text).not.toContain(key);
    expect(text).not.toContain("hunter2");
    expect(text).toContain(`> authorization: Bearer lk_…${key.slice(-4)}`);
    expect(text).toContain('"key":"<hidden>"');
    expect(text).toContain(`"note":"see lk_…${key.slice(-4)}"`);
  });

  it("keeps look-alikes (bad checksum) and ordinary text as they are", () => {
    const key = generateKey();
    const lookAlike = key.slice(0, -1) + (key.endsWith("a") ? "b" : "a");
    expect(redactKeys(`x ${lookAlike} y`)).toBe(`x ${lookAlike} y`);
  });
});
