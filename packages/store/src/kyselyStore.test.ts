import { randomBytes } from "node:crypto";
import type { NewDelivery, NewKey, NewWebhook, UserRecord, WebhookRecord } from "@latchkey/core";
import { openTestStore, type TestBackend, type TestStore } from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KyselyStore } from "./kyselyStore.js";
import { BATCH_ROWS } from "./queries/batches.js";

/**
 * The storage port's one shared suite: every test runs against SQLite (temp dir) and
 * PostgreSQL (a fresh schema), and the two must agree.
 */
const backends: TestBackend[] = ["sqlite", "postgres"];

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
const hash = () => randomBytes(32).toString("hex");
let emails = 0;
const email = () => `user${++emails}-${randomBytes(3).toString("hex")}@example.com`;

function newKey(user: UserRecord, overrides: Partial<NewKey> = {}): NewKey {
  return {
    userId: user.id,
    kind: "api",
    name: "a key",
    keyHash: hash(),
    hashVersion: 1,
    prefix: "lk",
    last4: "abcd",
    permissions: null,
    keyParams: null,
    createdAt: at(0),
    expiresAt: null,
    ...overrides,
  };
}

async function newUser(store: KyselyStore): Promise<UserRecord> {
  const user = await store.createUser({ email: email(), passwordHash: "h", createdAt: at(0) });
  if (user === "email_taken") throw new Error("unexpected email_taken");
  return user;
}

describe.each(backends)("Store on %s", (backend) => {
  let opened: TestStore;
  let store: KyselyStore;
  beforeAll(async () => {
    opened = await openTestStore(backend);
    store = opened.store;
  });
  afterAll(async () => {
    await opened.dispose();
  });

  describe("users", () => {
    it("makes the first user of an empty store the administrator, and no one after", async () => {
      const empty = await openTestStore(backend);
      try {
        const first = await empty.store.createUser({
          email: "first@example.com",
          passwordHash: "h1",
          createdAt: at(1),
        });
        const second = await empty.store.createUser({
          email: "second@example.com",
          passwordHash: "h2",
          createdAt: at(2),
        });
        expect(first).toMatchObject({ email: "first@example.com", isAdmin: true });
        expect(second).toMatchObject({ email: "second@example.com", isAdmin: false });
      } finally {
        await empty.dispose();
      }
    });

    it("gives exactly one administrator when the first sign-ups race", async () => {
      const empty = await openTestStore(backend);
      try {
        const users = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            empty.store.createUser({
              email: `racer${i}@example.com`,
              passwordHash: "h",
              createdAt: at(i),
            }),
          ),
        );
        const admins = users.filter((u) => u !== "email_taken" && u.isAdmin);
        expect(users.every((u) => u !== "email_taken")).toBe(true);
        expect(admins).toHaveLength(1);
      } finally {
        await empty.dispose();
      }
    });

    it("refuses a taken email, also when two sign-ups race for it", async () => {
      const address = email();
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          store.createUser({ email: address, passwordHash: "h", createdAt: at(0) }),
        ),
      );
      expect(results.filter((r) => r !== "email_taken")).toHaveLength(1);
      expect(await store.createUser({ email: address, passwordHash: "h", createdAt: at(0) })).toBe(
        "email_taken",
      );
    });

    it("finds users by email and id, and nothing for unknown ones", async () => {
      const user = await newUser(store);
      expect(await store.findUserByEmail(user.email)).toEqual(user);
      expect(await store.findUserById(user.id)).toEqual(user);
      expect(user).toMatchObject({ passwordHash: "h", createdAt: at(0) });
      expect(await store.findUserByEmail("nobody@example.com")).toBeUndefined();
      expect(await store.findUserById(987_654_321)).toBeUndefined();
    });
  });

  describe("keys", () => {
    it("stores every field of a new key and finds it by hash and by id", async () => {
      const user = await newUser(store);
      const input = newKey(user, {
        name: "ci deploy",
        hashVersion: 2,
        prefix: "acme",
        last4: "wxyz",
        permissions: { api: { user_read: {} } },
        keyParams: { ip_whitelist: ["10.0.0.0/8"] },
        createdAt: at(5),
        expiresAt: at(50),
      });
      const created = await store.insertKey(input);
      expect(created).toEqual({
        ...input,
        id: created.id,
        memberId: null,
        lastUsedAt: null,
        lastUsedIp: null,
        deletedAt: null,
        previousKeyHash: null,
        previousHashVersion: null,
        previousExpiresAt: null,
        expiryRemindedAt: null,
        expiryNotifiedAt: null,
      });
      expect(await store.findKeyByHash(input.keyHash)).toEqual(created);
      expect(await store.findKey(user.id, created.id, "api")).toEqual(created);
      expect(await store.findKeyByHash(hash())).toBeUndefined();
    });

    it("keeps keys of each account and kind apart", async () => {
      const alice = await newUser(store);
      const bob = await newUser(store);
      const key = await store.insertKey(newKey(alice));
      const session = await store.insertKey(newKey(alice, { kind: "session" }));
      await store.insertKey(newKey(bob));
      expect(await store.findKey(bob.id, key.id, "api")).toBeUndefined();
      expect(await store.findKey(alice.id, key.id, "session")).toBeUndefined();
      expect(await store.findKey(alice.id, session.id, "session")).toEqual(session);
      expect((await store.listKeys(alice.id, "api")).map((k) => k.id)).toEqual([key.id]);
      expect((await store.listKeys(alice.id, "session")).map((k) => k.id)).toEqual([session.id]);
    });

    it("lists live keys in creation order", async () => {
      const user = await newUser(store);
      const ids = [];
      for (let i = 0; i < 4; i++) ids.push((await store.insertKey(newKey(user))).id);
      await store.deleteKey(user.id, ids[1] ?? 0, "api", at(9));
      expect((await store.listKeys(user.id, "api")).map((k) => k.id)).toEqual([
        ids[0],
        ids[2],
        ids[3],
      ]);
    });

    it("pages a key list by id: up to `limit` keys after `after`", async () => {
      const user = await newUser(store);
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push((await store.insertKey(newKey(user))).id);
      await store.insertKey(newKey(user, { kind: "session" }));
      await store.deleteKey(user.id, ids[2] ?? 0, "api", at(9));
      const page = (after: number, limit: number) =>
        store.listKeys(user.id, "api", { after, limit }).then((keys) => keys.map((k) => k.id));
      expect(await page(0, 2)).toEqual([ids[0], ids[1]]);
      expect(await page(ids[1] ?? 0, 2)).toEqual([ids[3], ids[4]]);
      expect(await page(ids[4] ?? 0, 2)).toEqual([]);
    });

    it("counts the live keys of an account and kind: not deleted, not expired", async () => {
      const user = await newUser(store);
      const other = await newUser(store);
      await store.insertKey(newKey(user));
      await store.insertKey(newKey(user, { expiresAt: at(30) }));
      await store.insertKey(newKey(user, { expiresAt: at(10) }));
      const deleted = await store.insertKey(newKey(user));
      await store.deleteKey(user.id, deleted.id, "api", at(5));
      await store.insertKey(newKey(user, { kind: "session", expiresAt: at(30) }));
      await store.insertKey(newKey(other));
      expect(await store.countLiveKeys(user.id, "api", at(20))).toBe(2);
      expect(await store.countLiveKeys(user.id, "api", at(5))).toBe(3);
      expect(await store.countLiveKeys(user.id, "session", at(20))).toBe(1);
      expect(await store.countLiveKeys(user.id, "session", at(30))).toBe(0);
      expect(await store.countLiveKeys(other.id, "api", at(20))).toBe(1);
    });

    it("refuses a second key with the same hash", async () => {
      const user = await newUser(store);
      const input = newKey(user);
      await store.insertKey(input);
      await expect(store.insertKey({ ...input, name: "copy" })).rejects.toThrow();
    });

    it("soft-deletes: the row stays findable by hash, marked deleted, and only once", async () => {
      const user = await newUser(store);
      const other = await newUser(store);
      const key = await store.insertKey(newKey(user));
      expect(await store.deleteKey(other.id, key.id, "api", at(7))).toBeUndefined();
      expect(await store.deleteKey(user.id, key.id, "session", at(7))).toBeUndefined();
      const deleted = await store.deleteKey(user.id, key.id, "api", at(7));
      expect(deleted).toEqual({ ...key, deletedAt: at(7) });
      expect(await store.deleteKey(user.id, key.id, "api", at(8))).toBeUndefined();
      expect(await store.findKey(user.id, key.id, "api")).toBeUndefined();
      expect(await store.findKeyByHash(key.keyHash)).toEqual({ ...key, deletedAt: at(7) });
      expect(await store.listKeys(user.id, "api")).toEqual([]);
    });

    it("replaces a live API key's secret, keeping id, name and permissions", async () => {
      const user = await newUser(store);
      const key = await store.insertKey(newKey(user, { permissions: { api: { misc: {} } } }));
      const change = { keyHash: hash(), hashVersion: 3, prefix: "lk", last4: "9999" };
      const replaced = await store.replaceSecret(user.id, key.id, change);
      expect(replaced).toEqual({ ...key, ...change });
      expect(await store.findKeyByHash(key.keyHash)).toBeUndefined();
      expect(await store.findKeyByHash(change.keyHash)).toEqual(replaced);
    });

    it("replaces no secret of a deleted key, a session or another account's key", async () => {
      const user = await newUser(store);
      const other = await newUser(store);
      const deleted = await store.insertKey(newKey(user));
      await store.deleteKey(user.id, deleted.id, "api", at(3));
      const session = await store.insertKey(newKey(user, { kind: "session" }));
      const foreign = await store.insertKey(newKey(other));
      for (const [owner, id] of [
        [user.id, deleted.id],
        [user.id, session.id],
        [user.id, foreign.id],
      ] as const) {
        const change = { keyHash: hash(), hashVersion: 1, prefix: "lk", last4: "0000" };
        expect(await store.replaceSecret(owner, id, change)).toBeUndefined();
        expect(await store.findKeyByHash(change.keyHash)).toBeUndefined();
      }
    });

    it("ends every other live session of the user and nothing else", async () => {
      const user = await newUser(store);
      const other = await newUser(store);
      const keep = await store.insertKey(newKey(user, { kind: "session" }));
      const s1 = await store.insertKey(newKey(user, { kind: "session" }));
      const s2 = await store.insertKey(newKey(user, { kind: "session" }));
      const ended = await store.insertKey(newKey(user, { kind: "session" }));
      await store.deleteKey(user.id, ended.id, "session", at(1));
      const apiKey = await store.insertKey(newKey(user));
      const foreign = await store.insertKey(newKey(other, { kind: "session" }));

      const ids = await store.deleteOtherSessions(user.id, keep.id, at(4));
      expect(ids.sort((a, b) => a - b)).toEqual([s1.id, s2.id]);
      expect((await store.listKeys(user.id, "session")).map((k) => k.id)).toEqual([keep.id]);
      expect(await store.findKey(user.id, apiKey.id, "api")).toBeDefined();
      expect(await store.findKey(other.id, foreign.id, "session")).toBeDefined();
      expect((await store.findKeyByHash(ended.keyHash))?.deletedAt).toBe(at(1));
    });
  });

  describe("recordUse", () => {
    it("writes the last use of many keys in one batch, and accepts an empty one", async () => {
      const user = await newUser(store);
      const a = await store.insertKey(newKey(user));
      const b = await store.insertKey(newKey(user));
      const untouched = await store.insertKey(newKey(user));
      await store.recordUse([]);
      await store.recordUse([
        { id: a.id, at: at(10), ip: "192.0.2.1" },
        { id: b.id, at: at(11), ip: null },
      ]);
      expect(await store.findKey(user.id, a.id, "api")).toMatchObject({
        lastUsedAt: at(10),
        lastUsedIp: "192.0.2.1",
      });
      expect(await store.findKey(user.id, b.id, "api")).toMatchObject({
        lastUsedAt: at(11),
        lastUsedIp: null,
      });
      expect(await store.findKey(user.id, untouched.id, "api")).toMatchObject({
        lastUsedAt: null,
      });
    });

    it("never moves the last use back when another node's older batch lands later", async () => {
      const user = await newUser(store);
      const key = await store.insertKey(newKey(user));
      await store.recordUse([{ id: key.id, at: at(30), ip: "192.0.2.30" }]);
      await store.recordUse([{ id: key.id, at: at(20), ip: "192.0.2.20" }]);
      expect(await store.findKey(user.id, key.id, "api")).toMatchObject({
        lastUsedAt: at(30),
        lastUsedIp: "192.0.2.30",
      });
      await store.recordUse([{ id: key.id, at: at(40), ip: "192.0.2.40" }]);
      expect(await store.findKey(user.id, key.id, "api")).toMatchObject({ lastUsedAt: at(40) });
    });

    it("writes more uses than one statement carries, each to its own key", async () => {
      const user = await newUser(store);
      const keys = [];
      for (let i = 0; i < 2 * BATCH_ROWS + 1; i++) keys.push(await store.insertKey(newKey(user)));
      await store.recordUse(
        keys.map((k, i) => ({ id: k.id, at: at(i), ip: `10.0.${i >> 8}.${i & 255}` })),
      );
      const listed = await store.listKeys(user.id, "api");
      const byId = new Map(listed.map((k) => [k.id, k]));
      keys.forEach((k, i) => {
        expect(byId.get(k.id)).toMatchObject({
          lastUsedAt: at(i),
          lastUsedIp: `10.0.${i >> 8}.${i & 255}`,
        });
      });
    });
  });

  describe("audit log", () => {
    async function seed() {
      const user = await newUser(store);
      const other = await newUser(store);
      const event = (n: number, action: string, apiKeyId: number | null) => ({
        userId: user.id,
        apiKeyId,
        action,
        apiRoute: "POST /api/v0/auth/apikeys/",
        args: { n },
        ipAddress: "198.51.100.7",
        createdAt: at(n),
      });
      for (let n = 1; n <= 6; n++) {
        await store.insertAudit(event(n, n % 2 === 0 ? "api_key.delete" : "api_key.create", n));
      }
      await store.insertAudit({ ...event(7, "api_key.create", 1), userId: other.id });
      return user;
    }

    it("lists the account's events newest first, with every field", async () => {
      const user = await seed();
      const rows = await store.listAudit(user.id, { limit: 100 });
      expect(rows.map((r) => r.args.n)).toEqual([6, 5, 4, 3, 2, 1]);
      expect(rows[0]).toEqual({
        id: rows[0]?.id,
        userId: user.id,
        apiKeyId: 6,
        action: "api_key.delete",
        apiRoute: "POST /api/v0/auth/apikeys/",
        args: { n: 6 },
        ipAddress: "198.51.100.7",
        createdAt: at(6),
        count: 1,
      });
    });

    it("filters by action and by key, and pages backwards with before and limit", async () => {
      const user = await seed();
      const deletes = await store.listAudit(user.id, { action: "api_key.delete", limit: 100 });
      expect(deletes.map((r) => r.args.n)).toEqual([6, 4, 2]);
      const byKey = await store.listAudit(user.id, { apiKeyId: 3, limit: 100 });
      expect(byKey.map((r) => r.args.n)).toEqual([3]);

      const page1 = await store.listAudit(user.id, { limit: 4 });
      const page2 = await store.listAudit(user.id, { limit: 4, before: page1.at(-1)?.id });
      expect(page1.map((r) => r.args.n)).toEqual([6, 5, 4, 3]);
      expect(page2.map((r) => r.args.n)).toEqual([2, 1]);
      const both = await store.listAudit(user.id, {
        action: "api_key.create",
        before: page1[1]?.id,
        limit: 1,
      });
      expect(both.map((r) => r.args.n)).toEqual([3]);
    });
    it("counts a repeated refusal in one row per minute, also when the repeats race", async () => {
      const user = await newUser(store);
      const other = await newUser(store);
      const denied = (second: number, changes: Record<string, unknown> = {}) => ({
        userId: user.id,
        apiKeyId: 9,
        action: "api_key.denied",
        apiRoute: "GET /api/v0/users/current/",
        args: { reason: "ip_not_allowed" },
        ipAddress: `192.0.2.${second}`,
        createdAt: at(second),
        ...changes,
      });
      // At 3 s the first; then 4 s, 5 s, …: 24 concurrent repeats within the same minute.
      await store.countAudit(denied(3));
      await Promise.all(Array.from({ length: 24 }, (_, i) => store.countAudit(denied(4 + i))));
      // Each of these differs in one respect, so each is a row of its own.
      await store.countAudit(denied(60));
      await store.countAudit(denied(5, { apiKeyId: 10 }));
      await store.countAudit(denied(5, { apiRoute: "GET /api/v0/auth/apikeys/" }));
      await store.countAudit(denied(5, { args: { reason: "expired" } }));
      await store.countAudit(denied(5, { userId: other.id }));
      await store.insertAudit(denied(6));

      const rows = await store.listAudit(user.id, { action: "api_key.denied", limit: 100 });
      expect(rows.map((r) => r.count)).toEqual([1, 1, 1, 1, 1, 25]);
      // The minute's row keeps its first occurrence's time and address.
      const first = rows.at(-1);
      expect(first?.createdAt).toBe(at(3));
      expect(first?.ipAddress).toBe("192.0.2.3");
      expect(await store.listAudit(other.id, { limit: 100 })).toHaveLength(1);
    });
  });

  describe("pepper rotation and grace windows", () => {
    it("moves a key to a new hash only while it still holds the old one", async () => {
      const user = await newUser(store);
      const key = await store.insertKey(newKey(user));
      const to = { keyHash: hash(), hashVersion: 2 };
      expect(await store.rehashKey(key.id, hash(), to)).toBe(false);
      expect(await store.rehashKey(key.id, key.keyHash, to)).toBe(true);
      expect(await store.findKeyByHash(to.keyHash)).toMatchObject({ id: key.id, hashVersion: 2 });
      expect(await store.findKeyByHash(key.keyHash)).toBeUndefined();
    });

    it("keeps the previous secret findable during a grace window, and drops it on request", async () => {
      const user = await newUser(store);
      const key = await store.insertKey(newKey(user, { hashVersion: 3 }));
      const change = { keyHash: hash(), hashVersion: 4, prefix: "lk_new", last4: "wxyz" };
      const reset = await store.replaceSecret(user.id, key.id, change, at(90));
      expect(reset).toMatchObject({
        keyHash: change.keyHash,
        previousKeyHash: key.keyHash,
        previousHashVersion: 3,
        previousExpiresAt: at(90),
      });
      expect((await store.findKeyByHash(key.keyHash))?.id).toBe(key.id);
      expect((await store.findKeyByHash(change.keyHash))?.id).toBe(key.id);
      const ended = await store.endGrace(user.id, key.id);
      expect(ended).toMatchObject({ previousKeyHash: null, previousExpiresAt: null });
      expect(await store.findKeyByHash(key.keyHash)).toBeUndefined();
      // A reset without grace also clears a pending previous secret.
      const again = await store.replaceSecret(
        user.id,
        key.id,
        { ...change, keyHash: hash() },
        at(95),
      );
      const hard = await store.replaceSecret(user.id, key.id, { ...change, keyHash: hash() });
      expect(again?.previousKeyHash).not.toBeNull();
      expect(hard?.previousKeyHash).toBeNull();
    });
  });

  describe("policy, usage and events", () => {
    it("stores an account's lifecycle policy", async () => {
      const user = await newUser(store);
      expect(user.policy).toEqual({
        maxKeyLifetimeDays: null,
        expiryReminderDays: null,
        revokeUnusedAfterDays: null,
      });
      const policy = { maxKeyLifetimeDays: 90, expiryReminderDays: 7, revokeUnusedAfterDays: null };
      expect((await store.setPolicy(user.id, policy))?.policy).toEqual(policy);
      expect((await store.findUserById(user.id))?.policy).toEqual(policy);
      expect(await store.accountsRevokingUnused()).not.toContainEqual(
        expect.objectContaining({ userId: user.id }),
      );
      await store.setPolicy(user.id, { ...policy, revokeUnusedAfterDays: 30 });
      expect(await store.accountsRevokingUnused()).toContainEqual({ userId: user.id, days: 30 });
    });

    it("adds usage counts per key and hour", async () => {
      const user = await newUser(store);
      const key = await store.insertKey(newKey(user));
      const h1 = "2026-01-01T10:00:00.000Z";
      const h2 = "2026-01-01T11:00:00.000Z";
      await store.recordUsage([
        { keyId: key.id, hour: h1, verified: 2, denied: 1 },
        { keyId: key.id, hour: h2, verified: 1, denied: 0 },
      ]);
      await store.recordUsage([{ keyId: key.id, hour: h1, verified: 3, denied: 4 }]);
      await store.recordUsage([]);
      expect(await store.listUsage(key.id, h1, h2)).toEqual([
        { keyId: key.id, hour: h1, verified: 5, denied: 5 },
        { keyId: key.id, hour: h2, verified: 1, denied: 0 },
      ]);
      expect(await store.listUsage(key.id, h2, h2)).toHaveLength(1);
    });

    it("adds up more hours of counts than one statement carries", async () => {
      const user = await newUser(store);
      const key = await store.insertKey(newKey(user));
      const hour = (h: number) => new Date(Date.UTC(2026, 0, 1) + h * 3_600_000).toISOString();
      const counts = Array.from({ length: 2 * BATCH_ROWS + 1 }, (_, h) => ({
        keyId: key.id,
        hour: hour(h),
        verified: h,
        denied: 1,
      }));
      await store.recordUsage(counts);
      await store.recordUsage(counts);
      const stored = await store.listUsage(key.id, hour(0), hour(2 * BATCH_ROWS));
      expect(stored).toEqual(counts.map((c) => ({ ...c, verified: 2 * c.verified, denied: 2 })));
    });

    it("keeps key events in order per account, in the transaction that wrote them", async () => {
      const user = await newUser(store);
      const other = await newUser(store);
      const event = (userId: number, type: "key.created" | "key.deleted") => ({
        userId,
        apiKeyId: null,
        type,
        payload: {},
        createdAt: at(1),
      });
      await store.insertEvent(event(user.id, "key.created"));
      await store.insertEvent(event(other.id, "key.created"));
      await expect(
        store.transaction(async (tx) => {
          await tx.insertEvent(event(user.id, "key.deleted"));
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
      const mine = await store.listEvents(user.id, 0, 10);
      expect(mine.map((e) => e.type)).toEqual(["key.created"]);
      expect(await store.listEvents(user.id, mine[0]?.id ?? 0, 10)).toEqual([]);
    });

    it("finds keys to remind, expired and unused, and lets exactly one claim each notice", async () => {
      const user = await newUser(store);
      await store.setPolicy(user.id, {
        maxKeyLifetimeDays: null,
        expiryReminderDays: 3,
        revokeUnusedAfterDays: null,
      });
      const soon = await store.insertKey(newKey(user, { expiresAt: at(100) }));
      const gone = await store.insertKey(newKey(user, { expiresAt: at(10) }));
      const never = await store.insertKey(newKey(user, { createdAt: at(0) }));
      await store.recordUse([{ id: soon.id, at: at(60), ip: null }]);

      const toRemind = (await store.keysToRemind(at(0), 100)).filter(
        (r) => r.key.userId === user.id,
      );
      expect(toRemind.map((r) => [r.key.id, r.reminderDays])).toEqual([
        [gone.id, 3],
        [soon.id, 3],
      ]);
      // A key that has expired gets no reminder.
      const later = (await store.keysToRemind(at(50), 100)).filter((r) => r.key.userId === user.id);
      expect(later.map((r) => r.key.id)).toEqual([soon.id]);
      const expired = (await store.keysExpiredUnnotified(at(50), 100)).filter(
        (k) => k.userId === user.id,
      );
      expect(expired.map((k) => k.id)).toEqual([gone.id]);
      const unused = await store.keysUnusedSince(user.id, at(30), 100);
      expect(unused.map((k) => k.id).sort()).toEqual([gone.id, never.id].sort());

      const claims = await Promise.all(
        [1, 2, 3].map(() => store.claimKeyNotice(soon.id, "expiryReminder", at(70))),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect((await store.keysToRemind(at(0), 100)).map((r) => r.key.id)).not.toContain(soon.id);
    });

    it("offers only keys due for a reminder, so one account's other keys cannot fill a batch", async () => {
      const DAY = 86_400_000;
      const now = Date.UTC(2031, 0, 1);
      const iso = (ms: number) => new Date(ms).toISOString();
      const busy = await newUser(store);
      const other = await newUser(store);
      await store.setPolicy(busy.id, {
        maxKeyLifetimeDays: null,
        expiryReminderDays: 1,
        revokeUnusedAfterDays: null,
      });
      await store.setPolicy(other.id, {
        maxKeyLifetimeDays: null,
        expiryReminderDays: 7,
        revokeUnusedAfterDays: null,
      });
      // 600 keys expiring in two days, not yet due under a one-day reminder, and sorting
      // before the other account's key, which is due (three days, under a seven-day one).
      await store.transaction(async (tx) => {
        for (let i = 0; i < 600; i++) {
          await tx.insertKey(newKey(busy, { createdAt: iso(now), expiresAt: iso(now + 2 * DAY) }));
        }
      });
      const due = await store.insertKey(
        newKey(other, { createdAt: iso(now), expiresAt: iso(now + 3 * DAY) }),
      );
      const batch = await store.keysToRemind(iso(now), 500);
      expect(batch.map((r) => r.key.id)).toContain(due.id);
      expect(batch.filter((r) => r.key.userId === busy.id)).toEqual([]);
      // A day later the busy account's keys are due too, with their own account's days.
      const dayLater = await store.keysToRemind(iso(now + DAY + 1000), 1000);
      expect(dayLater.filter((r) => r.key.userId === busy.id)).toHaveLength(600);
      expect(dayLater.find((r) => r.key.id === due.id)?.reminderDays).toBe(7);
    });

    it("writes key deadlines only in the stored form, whose text order is their time order", async () => {
      const user = await newUser(store);
      for (const expiresAt of [
        // What a year past 9999 looked like when stored: it sorted before every real date.
        "+010000-01-01T00:00:00.000Z",
        "2027-01-31T09:30:00Z",
        "2027-01-31T11:30:00.000+02:00",
        "2027-02-30T00:00:00.000Z",
      ]) {
        await expect(store.insertKey(newKey(user, { expiresAt })), expiresAt).rejects.toThrow(
          "expires_at: a time must be written in the stored form",
        );
      }
      const key = await store.insertKey(newKey(user, { expiresAt: at(100) }));
      await expect(
        store.replaceSecret(
          user.id,
          key.id,
          { keyHash: hash(), hashVersion: 1, prefix: "lk", last4: "wxyz" },
          "+010000-01-01T00:00:00.000Z",
        ),
      ).rejects.toThrow("previous_expires_at: a time must be written in the stored form");
      expect(await store.listKeys(user.id, "api")).toEqual([key]);
    });
  });

  describe("webhooks", () => {
    const webhook = (userId: number, overrides: Partial<NewWebhook> = {}): NewWebhook => ({
      userId,
      url: "https://hooks.example.com/latchkey",
      description: "",
      events: null,
      active: true,
      secretCiphertext: "v1.iv.tag.ct",
      secretKeyVersion: 1,
      secretLast4: "wxyz",
      createdAt: at(1),
      updatedAt: at(1),
      ...overrides,
    });
    const delivery = (hook: WebhookRecord, overrides: Partial<NewDelivery> = {}): NewDelivery => ({
      webhookId: hook.id,
      userId: hook.userId,
      sourceEventId: null,
      eventId: `evt_${randomBytes(4).toString("hex")}`,
      eventType: "ping",
      body: '{"type":"ping"}',
      redeliveryOf: null,
      createdAt: at(2),
      nextAttemptAt: at(2),
      ...overrides,
    });

    it("stores endpoints per account, updates them partly, and deletes them with their deliveries", async () => {
      const user = await newUser(store);
      const other = await newUser(store);
      const input = webhook(user.id, {
        description: "billing",
        events: ["key.created", "key.leaked"],
      });
      const created = await store.insertWebhook(input);
      expect(created).toEqual({ ...input, id: created.id });
      const second = await store.insertWebhook(webhook(user.id, { active: false }));
      await store.insertWebhook(webhook(other.id));
      expect(await store.findWebhook(user.id, created.id)).toEqual(created);
      expect(await store.findWebhook(other.id, created.id)).toBeUndefined();
      expect((await store.listWebhooks(user.id)).map((w) => w.id)).toEqual([created.id, second.id]);
      expect(second.active).toBe(false);

      const updated = await store.updateWebhook(user.id, created.id, {
        events: null,
        active: false,
        updatedAt: at(5),
      });
      expect(updated).toEqual({ ...created, events: null, active: false, updatedAt: at(5) });
      const rekeyed = await store.updateWebhook(user.id, created.id, {
        url: "http://other.example.com/",
        secretCiphertext: "v2.x",
        secretKeyVersion: 2,
        updatedAt: at(6),
      });
      expect(rekeyed).toMatchObject({
        url: "http://other.example.com/",
        description: "billing",
        secretCiphertext: "v2.x",
        secretKeyVersion: 2,
      });
      expect(
        await store.updateWebhook(other.id, created.id, { active: true, updatedAt: at(7) }),
      ).toBeUndefined();

      const queued = await store.insertDelivery(delivery(created));
      expect(await store.deleteWebhook(other.id, created.id)).toBe(false);
      expect(await store.deleteWebhook(user.id, created.id)).toBe(true);
      expect(await store.deleteWebhook(user.id, created.id)).toBe(false);
      expect(await store.findWebhook(user.id, created.id)).toBeUndefined();
      expect(await store.findDelivery(user.id, created.id, queued?.id ?? 0)).toBeUndefined();
      expect((await store.listWebhooks(user.id)).map((w) => w.id)).toEqual([second.id]);
    });

    it("queues an outbox event once per endpoint; pings and redeliveries are never refused", async () => {
      const user = await newUser(store);
      const hook = await store.insertWebhook(webhook(user.id));
      const first = await store.insertDelivery(
        delivery(hook, { sourceEventId: 41, eventId: "evt_41", eventType: "key.created" }),
      );
      expect(first).toMatchObject({
        webhookId: hook.id,
        userId: user.id,
        sourceEventId: 41,
        eventId: "evt_41",
        eventType: "key.created",
        status: "pending",
        attempts: 0,
        nextAttemptAt: at(2),
        lastAttemptAt: null,
        lastStatusCode: null,
        lastError: null,
        deliveredAt: null,
        redeliveryOf: null,
        createdAt: at(2),
      });
      expect(await store.insertDelivery(delivery(hook, { sourceEventId: 41 }))).toBeUndefined();
      const again = await store.insertDelivery(
        delivery(hook, { eventId: "evt_41", redeliveryOf: first?.id ?? null }),
      );
      const ping = await store.insertDelivery(delivery(hook));
      expect(again?.redeliveryOf).toBe(first?.id);
      expect(ping?.id).toBeGreaterThan(0);
    });

    it("gives each undispatched event to one claimer only, and keeps it on roll-back", async () => {
      const user = await newUser(store);
      const inserted = 25;
      for (let i = 0; i < inserted; i++) {
        await store.insertEvent({
          userId: user.id,
          apiKeyId: i,
          type: "key.created",
          payload: {},
          createdAt: at(i),
        });
      }
      await expect(
        store.transaction(async (tx) => {
          expect((await tx.claimEvents(1000, at(50))).length).toBeGreaterThan(0);
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");

      const claimed: number[] = [];
      for (;;) {
        const rounds = await Promise.all(
          [1, 2, 3].map(() => store.transaction((tx) => tx.claimEvents(4, at(60)))),
        );
        const ids = rounds.flat().map((e) => e.id);
        if (ids.length === 0) break;
        claimed.push(...ids);
      }
      expect(new Set(claimed).size).toBe(claimed.length);
      const mine = (await store.listEvents(user.id, 0, 100)).map((e) => e.id);
      expect(mine).toHaveLength(inserted);
      for (const id of mine) expect(claimed).toContain(id);
      expect(await store.transaction((tx) => tx.claimEvents(10, at(70)))).toEqual([]);
    });

    it("leases due deliveries of active endpoints to one claimer and records outcomes under the lease", async () => {
      const own = await openTestStore(backend);
      try {
        const db = own.store;
        const user = await newUser(db);
        const hook = await db.insertWebhook(webhook(user.id));
        const paused = await db.insertWebhook(webhook(user.id, { active: false }));
        const due = [];
        for (let i = 0; i < 6; i++) {
          const queued = await db.insertDelivery(delivery(hook, { nextAttemptAt: at(10 + i) }));
          if (queued) due.push(queued.id);
        }
        const later = await db.insertDelivery(delivery(hook, { nextAttemptAt: at(40) }));
        await db.insertDelivery(delivery(paused, { nextAttemptAt: at(10) }));

        const claims = await Promise.all(
          ["a", "b", "c"].map((lease) => db.claimDeliveries(at(20), at(30), lease, 3)),
        );
        const claimedIds = claims.flat().map((d) => d.id);
        expect(claimedIds.sort((a, b) => a - b)).toEqual(due);
        for (const d of claims.flat()) {
          expect(d).toMatchObject({ attempts: 1, nextAttemptAt: at(30), status: "pending" });
        }
        // Leased: not due again before the lease ends.
        expect(await db.claimDeliveries(at(25), at(35), "d", 10)).toEqual([]);

        const [one, two, three] = claims.flat().sort((a, b) => a.id - b.id);
        const leaseOf = (id: number | undefined) =>
          ["a", "b", "c"][claims.findIndex((c) => c.some((d) => d.id === id))] ?? "";
        if (!one || !two || !three) throw new Error("expected three claims");
        const delivered = {
          status: "delivered" as const,
          at: at(21),
          statusCode: 204,
          error: null,
          nextAttemptAt: null,
        };
        expect(await db.finishAttempt(one.id, "wrong lease", delivered)).toBe(false);
        expect(await db.finishAttempt(one.id, leaseOf(one.id), delivered)).toBe(true);
        expect(await db.finishAttempt(one.id, leaseOf(one.id), delivered)).toBe(false);
        expect(await db.findDelivery(user.id, hook.id, one.id)).toMatchObject({
          status: "delivered",
          attempts: 1,
          lastStatusCode: 204,
          lastAttemptAt: at(21),
          deliveredAt: at(21),
          nextAttemptAt: null,
        });
        await db.finishAttempt(two.id, leaseOf(two.id), {
          status: "pending",
          at: at(21),
          statusCode: 500,
          error: "HTTP 500",
          nextAttemptAt: at(22),
        });
        await db.finishAttempt(three.id, leaseOf(three.id), {
          status: "failed",
          at: at(21),
          statusCode: null,
          error: "timed out",
          nextAttemptAt: null,
        });
        // A node that stops gives its leased deliveries back, the attempt uncounted.
        const rest = claims.flat().filter((d) => ![one.id, two.id, three.id].includes(d.id));
        for (const d of rest)
          expect(await db.releaseDelivery(d.id, leaseOf(d.id), at(23))).toBe(true);

        const retried = await db.claimDeliveries(at(24), at(100), "e", 10);
        expect(retried.map((d) => d.id).sort((a, b) => a - b)).toEqual(
          [two.id, ...rest.map((d) => d.id)].sort((a, b) => a - b),
        );
        expect(retried.find((d) => d.id === two.id)).toMatchObject({
          attempts: 2,
          lastStatusCode: 500,
          lastError: "HTTP 500",
        });
        for (const d of rest) expect(retried.find((r) => r.id === d.id)?.attempts).toBe(1);
        expect((await db.claimDeliveries(at(45), at(60), "f", 10)).map((d) => d.id)).toEqual([
          later?.id,
        ]);
        // Enabling the paused endpoint lets its delivery go.
        await db.updateWebhook(user.id, paused.id, { active: true, updatedAt: at(46) });
        expect((await db.claimDeliveries(at(46), at(60), "g", 10)).map((d) => d.webhookId)).toEqual(
          [paused.id],
        );
      } finally {
        await own.dispose();
      }
    });

    it("lists an endpoint's deliveries newest first with filter and paging, and prunes finished old ones", async () => {
      const own = await openTestStore(backend);
      try {
        const db = own.store;
        const user = await newUser(db);
        const other = await newUser(db);
        const hook = await db.insertWebhook(webhook(user.id));
        const ids: number[] = [];
        for (let i = 0; i < 5; i++) {
          const queued = await db.insertDelivery(delivery(hook, { createdAt: at(i) }));
          if (queued) ids.push(queued.id);
        }
        const [claimed] = await db.claimDeliveries(at(10), at(100), "lease", 1);
        if (!claimed) throw new Error("expected a claim");
        await db.finishAttempt(claimed.id, "lease", {
          status: "delivered",
          at: at(1),
          statusCode: 200,
          error: null,
          nextAttemptAt: null,
        });

        const all = await db.listDeliveries(user.id, hook.id, { limit: 10 });
        expect(all.map((d) => d.id)).toEqual([...ids].reverse());
        const page = await db.listDeliveries(user.id, hook.id, { limit: 2, before: ids[3] });
        expect(page.map((d) => d.id)).toEqual([ids[2], ids[1]]);
        const done = await db.listDeliveries(user.id, hook.id, { limit: 10, status: "delivered" });
        expect(done.map((d) => d.id)).toEqual([claimed.id]);
        expect(await db.listDeliveries(other.id, hook.id, { limit: 10 })).toEqual([]);
        expect(await db.findDelivery(other.id, hook.id, claimed.id)).toBeUndefined();

        expect(await db.pruneDeliveries(at(50))).toBe(1);
        expect((await db.listDeliveries(user.id, hook.id, { limit: 10 })).map((d) => d.id)).toEqual(
          ids.filter((id) => id !== claimed.id).reverse(),
        );
      } finally {
        await own.dispose();
      }
    });
  });

  describe("transactions", () => {
    it("commits all writes together and returns the work's value", async () => {
      const user = await newUser(store);
      const result = await store.transaction(async (tx) => {
        const key = await tx.insertKey(newKey(user));
        await tx.insertAudit({
          userId: user.id,
          apiKeyId: key.id,
          action: "api_key.create",
          apiRoute: "x",
          args: {},
          ipAddress: null,
          createdAt: at(1),
        });
        return key;
      });
      expect(await store.findKey(user.id, result.id, "api")).toEqual(result);
      expect(await store.listAudit(user.id, { limit: 10 })).toHaveLength(1);
    });

    it("rolls every write back when the work fails", async () => {
      const user = await newUser(store);
      const live = await store.insertKey(newKey(user));
      const input = newKey(user);
      await expect(
        store.transaction(async (tx) => {
          await tx.insertKey(input);
          await tx.deleteKey(user.id, live.id, "api", at(2));
          await tx.replaceSecret(user.id, live.id, {
            keyHash: hash(),
            hashVersion: 1,
            prefix: "lk",
            last4: "1111",
          });
          await tx.insertAudit({
            userId: user.id,
            apiKeyId: null,
            action: "api_key.create",
            apiRoute: "x",
            args: {},
            ipAddress: null,
            createdAt: at(1),
          });
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect(await store.findKeyByHash(input.keyHash)).toBeUndefined();
      expect(await store.findKey(user.id, live.id, "api")).toEqual(live);
      expect(await store.listAudit(user.id, { limit: 10 })).toEqual([]);
    });

    it("rolls back when a statement inside fails (a duplicate hash)", async () => {
      const user = await newUser(store);
      const existing = await store.insertKey(newKey(user));
      const first = newKey(user);
      await expect(
        store.transaction(async (tx) => {
          await tx.insertKey(first);
          await tx.insertKey(newKey(user, { keyHash: existing.keyHash }));
        }),
      ).rejects.toThrow();
      expect(await store.findKeyByHash(first.keyHash)).toBeUndefined();
    });
  });

  describe("lifecycle", () => {
    it("answers ping once migrated, reopens idempotently, and fails ping once closed", async () => {
      const own = await openTestStore(backend);
      try {
        expect(own.store.dialect).toBe(backend);
        expect(await own.store.ping()).toBe(true);
        await own.store.migrate();
        expect(await own.store.ping()).toBe(true);
      } finally {
        await own.dispose();
      }
      expect(await own.store.ping()).toBe(false);
    });
  });
});
