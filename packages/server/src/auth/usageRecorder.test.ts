import { openTestStore, type TestStore } from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageRecorder } from "./usageRecorder.js";

/** The recorder keeps times as numbers until the flush; what it shows and writes is ISO text. */
describe("UsageRecorder", () => {
  let test: TestStore;
  let keyId: number;
  let userId: number;
  beforeAll(async () => {
    test = await openTestStore("sqlite");
    const user = await test.store.createUser({
      email: "usage@example.com",
      passwordHash: "x",
      createdAt: "2026-01-01T00:00:00.000Z",
    });
    if (user === "email_taken") throw new Error("unexpected");
    const key = await test.store.insertKey({
      userId: user.id,
      kind: "api",
      name: "k",
      keyHash: "ab".repeat(32),
      hashVersion: 1,
      prefix: "lk_abcd",
      last4: "wxyz",
      permissions: null,
      keyParams: null,
      createdAt: "2026-01-01T00:00:00.000Z",
      expiresAt: null,
    });
    keyId = key.id;
    userId = user.id;
  });
  afterAll(() => test.dispose());

  it("counts per hour across an hour boundary, keeps the latest use, and writes both in one flush", async () => {
    const errors: unknown[] = [];
    const usage = new UsageRecorder(test.store, 60_000, (err) => errors.push(err));
    const lastOfFive = Date.parse("2026-11-26T05:59:59.999Z");
    const six = Date.parse("2026-11-26T06:00:00.000Z");
    usage.count(keyId, "verified", lastOfFive);
    usage.count(keyId, "denied", lastOfFive);
    usage.count(keyId, "verified", six);
    usage.count(keyId, "verified", six + 1000);
    usage.record(keyId, lastOfFive, "10.0.0.1");
    usage.record(keyId, six + 1000, "10.0.0.2");

    expect(usage.pending(keyId)).toEqual({
      id: keyId,
      at: "2026-11-26T06:00:01.000Z",
      ip: "10.0.0.2",
    });
    expect(usage.pendingCountsOf(keyId)).toEqual([
      { keyId, hour: "2026-11-26T05:00:00.000Z", verified: 1, denied: 1 },
      { keyId, hour: "2026-11-26T06:00:00.000Z", verified: 2, denied: 0 },
    ]);
    expect(usage.pendingCountsOf(keyId + 1)).toEqual([]);

    await usage.flush();
    expect(errors).toEqual([]);
    expect(usage.pending(keyId)).toBeUndefined();
    expect(usage.pendingCountsOf(keyId)).toEqual([]);
    const stored = await test.store.listUsage(
      keyId,
      "2026-11-26T00:00:00.000Z",
      "2026-11-27T00:00:00.000Z",
    );
    expect(stored.map((r) => [r.hour, r.verified, r.denied])).toEqual([
      ["2026-11-26T05:00:00.000Z", 1, 1],
      ["2026-11-26T06:00:00.000Z", 2, 0],
    ]);
    const key = (await test.store.listKeys(userId, "api")).find((k) => k.id === keyId);
    expect([key?.lastUsedAt, key?.lastUsedIp]).toEqual(["2026-11-26T06:00:01.000Z", "10.0.0.2"]);
  });
});
