import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { isWellFormedKey } from "@latchkey/core";
import {
  call,
  createKey,
  freshSchema,
  signUpAndLogIn,
  spawnServer,
  startTestServer,
  type TestServer,
  tempDir,
} from "@latchkey/testkit";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Dates are instants, read strictly and compared as numbers (issue 14, findings 1 and 11),
 * through the real server on SQLite and on PostgreSQL.
 */

const DAY = 86_400_000;
/** The expiry of finding 1: as text it sorts before every real date. */
const FAR = "+010000-01-01T00:00:00Z";
const KEYS = "/api/v0/auth/apikeys/";

interface Backend {
  env: Record<string, string>;
  /** Runs SQL on the server's database behind its back, as psql would. */
  sql(text: string, params: unknown[]): Promise<void>;
  close(): Promise<void>;
}

function postgres(): Backend {
  const fresh = freshSchema("lk_dates");
  return {
    env: {
      LATCHKEY_DATABASE_URL: fresh.url,
      LATCHKEY_DATABASE_SCHEMA: fresh.schema,
      LATCHKEY_PEPPER: `v1:${randomBytes(32).toString("hex")}`,
    },
    async sql(text, params) {
      const client = new pg.Client({
        connectionString: fresh.url,
        options: `-c search_path=${fresh.schema}`,
      });
      await client.connect();
      try {
        let n = 0;
        await client.query(
          text.replace(/\?/g, () => `$${++n}`),
          params,
        );
      } finally {
        await client.end();
      }
    },
    close: () => fresh.drop(),
  };
}

describe.each(["sqlite", "postgres"] as const)("dates on %s", (kind) => {
  let server: TestServer;
  const pgBackend = kind === "postgres" ? postgres() : undefined;
  let clock = Date.parse("2027-01-01T00:00:00Z");
  beforeAll(async () => {
    server = await startTestServer(
      { LATCHKEY_LIFECYCLE_SWEEP_SECONDS: "0", ...pgBackend?.env },
      { now: () => new Date(clock) },
    );
  });
  afterAll(async () => {
    await server.close();
    await pgBackend?.close();
  });

  /** SQL on the server's own database behind its back, as psql or sqlite3 would run it. */
  const rawSql = async (text: string, params: unknown[]) => {
    if (pgBackend) return pgBackend.sql(text, params);
    const file = new Database(join(server.dataDir, "latchkey.db"));
    try {
      file.prepare(text).run(...params);
    } finally {
      file.close();
    }
  };

  const policy = (session: string, body: object) =>
    call(server.url, "PUT", "/api/v0/users/current/policy/", { key: session, body });
  const create = (session: string, body: Record<string, unknown>) =>
    call(server.url, "POST", KEYS, { key: session, body: { name: "k", ...body } });
  const verify = (key: string) =>
    call<{ code: string }>(server.url, "POST", "/api/v0/auth/verify/", { body: { key } });
  const statusWith = async (key: string) =>
    (await call(server.url, "GET", "/api/v0/users/current/", { key })).status;
  const events = async (userId: number) =>
    (await server.deps.store.listEvents(userId, 0, 10_000)).map((e) => ({
      type: e.type,
      keyId: e.apiKeyId,
    }));
  const audit = async (session: string, action: string) =>
    (
      await call<{ audit_logs: { args: { id?: number } }[] }>(
        server.url,
        "GET",
        `/api/v0/audit_logs/?action=${action}`,
        { key: session },
      )
    ).body.audit_logs;

  /**
   * An account under a 30-day maximum lifetime and a 7-day reminder, with one ordinary key,
   * that then asks for a key expiring in year 10000. `attackId` is the id that key got when
   * the cap let it through (the next one after the ordinary key).
   */
  async function attacked() {
    const owner = await signUpAndLogIn(server.url);
    await policy(owner.session, { max_key_lifetime_days: 30, expiry_reminder_days: 7 });
    const ordinary = await createKey(server.url, owner.session, { name: "ordinary" });
    const attempt = await create(owner.session, { name: "forever", expires_at: FAR });
    return { owner, ordinary, attempt, attackId: ordinary.id + 1 };
  }

  describe("an expires_at after year 9999 (finding 1)", () => {
    it("is refused with a 400 naming the field, and commits nothing", async () => {
      const { owner, ordinary, attempt } = await attacked();
      expect(attempt.status).toBe(400);
      expect(attempt.body).toEqual({
        success: false,
        error: "invalid_request",
        msg: "expires_at: the year must have four digits, from 1970 to 9999",
      });
      expect((await audit(owner.session, "api_key.create")).map((r) => r.args.id)).toEqual([
        ordinary.id,
      ]);
      expect((await events(owner.userId)).filter((e) => e.type === "key.created")).toEqual([
        { type: "key.created", keyId: ordinary.id },
      ]);
      // Every expiry in the account is within the 30-day maximum, compared as instants.
      const listed = await call<{ apikeys: { expires_at: string | null }[] }>(
        server.url,
        "GET",
        KEYS,
        { key: owner.session },
      );
      expect(listed.status).toBe(200);
      for (const key of listed.body.apikeys) {
        expect(Date.parse(key.expires_at ?? "")).toBeLessThanOrEqual(clock + 30 * DAY);
      }
    });

    it("leaves no key for PUT /commands/reset_apikey/ {id} to hand a secret out for", async () => {
      const { owner, attackId } = await attacked();
      const reset = await call(server.url, "PUT", "/api/v0/commands/reset_apikey/", {
        key: owner.session,
        body: { id: attackId },
      });
      expect(reset.status).toBe(404);
      expect(reset.body.new_api_key).toBeUndefined();
    });

    it("leaves the account's keys listable, showable and verifiable", async () => {
      const { owner, ordinary, attackId } = await attacked();
      const listed = await call<{ apikeys: { id: number }[] }>(server.url, "GET", KEYS, {
        key: owner.session,
      });
      expect(listed.status).toBe(200);
      expect(listed.body.apikeys.map((k) => k.id)).toEqual([ordinary.id]);
      const shown = await call(server.url, "GET", `${KEYS}${ordinary.id}/`, { key: owner.session });
      expect(shown.status).toBe(200);
      expect(
        (await call(server.url, "GET", `${KEYS}${attackId}/`, { key: owner.session })).status,
      ).toBe(404);
      const verdict = await verify(ordinary.key);
      expect(verdict.status).toBe(200);
      expect(verdict.body.code).toBe("VALID");
    });

    it("leaves no key for POST …/reset/ to commit a reset of and then answer 500", async () => {
      const { owner, ordinary, attackId } = await attacked();
      const reset = await call(server.url, "POST", `${KEYS}${attackId}/reset/`, {
        key: owner.session,
        body: {},
      });
      expect(reset.status).toBe(404);
      const resetOrdinary = await call<{ key: string }>(
        server.url,
        "POST",
        `${KEYS}${ordinary.id}/reset/`,
        { key: owner.session, body: {} },
      );
      expect(resetOrdinary.status).toBe(200);
      expect(await statusWith(resetOrdinary.body.key)).toBe(200);
      expect(await statusWith(ordinary.key)).toBe(401);
    });

    it("leaves no secret that a leak report would skip as expired", async () => {
      const { owner, ordinary, attackId } = await attacked();
      // Every secret the attack can get: the form of reset that answers no dates, and the key.
      const secrets = [ordinary.key];
      const reset = await call<{ new_api_key?: string }>(
        server.url,
        "PUT",
        "/api/v0/commands/reset_apikey/",
        { key: owner.session, body: { id: attackId } },
      );
      if (reset.body.new_api_key) secrets.push(reset.body.new_api_key);
      const answer = await call(server.url, "POST", `${KEYS}report-leak/`, {
        body: { secrets, url: "https://gist.example.com/leak" },
      });
      expect(answer.status).toBe(202);
      for (const secret of secrets) expect(await statusWith(secret)).toBe(401);
      expect(secrets).toHaveLength(1);
    });

    it("gives the sweeper no key.expired to announce falsely", async () => {
      const { owner, ordinary } = await attacked();
      await server.deps.lifecycle.sweep();
      const notices = (await events(owner.userId)).filter((e) => e.type !== "key.created");
      expect(notices).toEqual([]);
      expect(await statusWith(ordinary.key)).toBe(200);
    });

    it("cannot silence other accounts' reminders with 500 such keys", async () => {
      const other = await signUpAndLogIn(server.url);
      await policy(other.session, { expiry_reminder_days: 7 });
      const due = await createKey(server.url, other.session, {
        expires_at: new Date(clock + 3 * DAY).toISOString(),
      });
      const { owner } = await attacked();
      const statuses = new Set<number>();
      for (let i = 0; i < 500; i++) {
        statuses.add((await create(owner.session, { name: `${i}`, expires_at: FAR })).status);
      }
      await server.deps.lifecycle.sweep();
      expect(await events(other.userId)).toContainEqual({ type: "key.expiring", keyId: due.id });
      expect([...statuses]).toEqual([400]);
    }, 180_000);
  });

  it("reminds every account's due keys, however many keys of another are not yet due", async () => {
    // Valid dates this time: 501 keys expiring in two days under a one-day reminder (not due)
    // sort before another account's key expiring in three days under a seven-day one (due).
    const busy = await signUpAndLogIn(server.url);
    await policy(busy.session, { expiry_reminder_days: 1 });
    const other = await signUpAndLogIn(server.url);
    await policy(other.session, { expiry_reminder_days: 7 });
    const soon = new Date(clock + 2 * DAY).toISOString();
    // Written in one transaction (the API would take a request each; the sweep is under test).
    await server.deps.store.transaction(async (tx) => {
      for (let i = 0; i < 501; i++) {
        await tx.insertKey({
          userId: busy.userId,
          kind: "api",
          name: `not yet due ${i}`,
          keyHash: randomBytes(32).toString("hex"),
          hashVersion: 1,
          prefix: "lk",
          last4: "abcd",
          permissions: null,
          keyParams: null,
          createdAt: new Date(clock).toISOString(),
          expiresAt: soon,
        });
      }
    });
    const due = await createKey(server.url, other.session, {
      expires_at: new Date(clock + 3 * DAY).toISOString(),
    });
    await server.deps.lifecycle.sweep();
    expect(await events(other.userId)).toContainEqual({ type: "key.expiring", keyId: due.id });
    expect((await events(busy.userId)).filter((e) => e.type === "key.expiring")).toEqual([]);
    // A day and a second later they are all due, and all reminded in one sweep.
    clock += DAY + 1000;
    try {
      await server.deps.lifecycle.sweep();
    } finally {
      clock -= DAY + 1000;
    }
    expect((await events(busy.userId)).filter((e) => e.type === "key.expiring")).toHaveLength(501);
  });

  it("commits no reset whose answer cannot be made", async () => {
    // A key row holding what the previous release stored for a year past 9999 (written
    // behind the server's back: the server itself no longer can).
    const owner = await signUpAndLogIn(server.url);
    const key = await createKey(server.url, owner.session, { name: "stored before the fix" });
    const before = await server.deps.store.findKey(owner.userId, key.id, "api");
    await rawSql("update api_keys set expires_at = ? where id = ?", [
      "+010000-01-01T00:00:00.000Z",
      key.id,
    ]);
    const reset = await call(server.url, "POST", `${KEYS}${key.id}/reset/`, {
      key: owner.session,
      body: { grace_seconds: 3600 },
    });
    expect(reset.status).toBe(500);
    expect(reset.body.error).toBe("internal_error");
    // The failure is logged without the secret that was never handed out.
    const tokens = server.logs.join("\n").match(/[A-Za-z0-9]+_[0-9A-Za-z]{46}/g) ?? [];
    expect(tokens.filter(isWellFormedKey)).toEqual([]);
    const after = await server.deps.store.findKey(owner.userId, key.id, "api");
    // The old secret's hash is still the key's, with no grace window: nothing was committed.
    expect(after?.keyHash).toBe(before?.keyHash);
    expect(after?.previousKeyHash).toBeNull();
    expect(await audit(owner.session, "api_key.reset")).toEqual([]);
    expect((await events(owner.userId)).map((e) => e.type)).toEqual(["key.created"]);
  });

  describe("lenient readings (finding 11)", () => {
    it("refuses 30 February instead of rolling it over to 2 March", async () => {
      const { session } = await signUpAndLogIn(server.url);
      const answer = await create(session, { expires_at: "2027-02-30T00:00:00Z" });
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        success: false,
        error: "invalid_request",
        msg: "expires_at: there is no day 30 in 2027-02 (it has 28 days)",
      });
      const listed = await call<{ apikeys: unknown[] }>(server.url, "GET", KEYS, { key: session });
      expect(listed.body.apikeys).toEqual([]);
    });

    it("takes an offset as the instant it names and answers it in UTC", async () => {
      const { session } = await signUpAndLogIn(server.url);
      const created = await create(session, { expires_at: "2027-03-01T01:30:00+02:00" });
      expect(created.status).toBe(200);
      expect(created.body.expires_at).toBe("2027-02-28T23:30:00.000Z");
    });
  });
});

describe("a time without a zone (finding 11)", () => {
  it("is refused, not read in the server's own zone", async () => {
    // The real server process, in a zone far from UTC: read there, 09:30 would be 20:30 UTC
    // the day before.
    const dir = tempDir();
    const server = await spawnServer({ LATCHKEY_DATA_DIR: dir.path, TZ: "Pacific/Auckland" });
    try {
      const { session } = await signUpAndLogIn(server.url);
      const answer = await call(server.url, "POST", KEYS, {
        key: session,
        body: { name: "k", expires_at: "2027-01-31T09:30:00" },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe("invalid_request");
      expect(String(answer.body.msg)).toBe(
        "expires_at: has no time zone; end it with Z (UTC) or an offset such as +02:00, e.g. 2027-01-31T09:30:00Z",
      );
    } finally {
      await server.stop();
      dir.remove();
    }
  });
});
