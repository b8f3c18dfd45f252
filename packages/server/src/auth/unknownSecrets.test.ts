import { randomBytes } from "node:crypto";
import {
  generateKey,
  type KeyRecord,
  PepperRing,
  parsePeppers,
  type Store,
  type UserRecord,
} from "@latchkey/core";
import {
  call,
  createKey,
  openTestStore,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
  type TestStore,
} from "@latchkey/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { Authenticator, type AuthOutcome } from "./authenticator.js";
import { KeyCache } from "./keyCache.js";
import { UsageRecorder } from "./usageRecorder.js";

/**
 * The key cache's record of unknown secrets: a well-formed secret the database holds no row
 * for is read once, then refused from memory, so a client repeating a dead or made-up key
 * costs no look-up each time. What must hold: every such refusal is the `unknown` one (never
 * an acceptance), the record is kept only with one pepper in use, and it is forgotten
 * whenever a row may have appeared (an invalidation of any key, a clear, keys added), so no
 * secret is refused as unknown once its row exists and the node has heard of it.
 */

const UNKNOWN: AuthOutcome = { ok: false, reason: "unknown" };
const IP = "192.0.2.10";
const now = () => new Date();
const pepper = (version: number) => `v${version}:${randomBytes(32).toString("hex")}`;

/**
 * The real store, with its key look-ups counted. `afterRead`, when set, is awaited after the
 * database answered and before the authenticator gets the answer: a look-up that read before
 * something happened and finishes after it.
 */
function counted(store: Store) {
  const probe = { reads: 0, afterRead: undefined as (() => Promise<void>) | undefined };
  const wrapped = new Proxy(store, {
    get(target, property) {
      if (property === "findKeyByHash") {
        return async (hash: string): Promise<KeyRecord | undefined> => {
          probe.reads++;
          const found = await target.findKeyByHash(hash);
          await probe.afterRead?.();
          return found;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store: wrapped, probe };
}

describe("unknown secrets (SQLite, one authenticator)", () => {
  let test: TestStore;
  let user: UserRecord;
  const usages: UsageRecorder[] = [];

  beforeAll(async () => {
    test = await openTestStore("sqlite");
    const created = await test.store.createUser({
      email: "unknown-secrets@example.com",
      passwordHash: "x",
      createdAt: "2026-01-01T00:00:00.000Z",
    });
    if (created === "email_taken") throw new Error("unexpected");
    user = created;
  });
  afterAll(async () => {
    // Never started (no timer): stopping writes what the accepted presentations recorded.
    await Promise.all(usages.map((u) => u.stop()));
    await test.dispose();
  });

  /** An authenticator as deps.ts builds one, on the real store, with its reads counted. */
  function rig(options: { peppers?: string; cacheSize?: number } = {}) {
    const peppers = new PepperRing(parsePeppers(options.peppers ?? pepper(1)));
    const cache = new KeyCache(options.cacheSize ?? 100);
    const usage = new UsageRecorder(test.store, 60_000, (err) => {
      throw err;
    });
    usages.push(usage);
    const { store, probe } = counted(test.store);
    const auth = new Authenticator(store, peppers, cache, usage);
    return { auth, cache, peppers, probe };
  }

  /** A row for `secret` under the current pepper, as a restore or an operator would insert it. */
  function insertRowFor(secret: string, peppers: PepperRing) {
    return test.store.insertKey({
      userId: user.id,
      kind: "api",
      name: "restored",
      keyHash: peppers.hash(secret),
      hashVersion: peppers.current.version,
      prefix: secret.slice(0, 7),
      last4: secret.slice(-4),
      permissions: null,
      keyParams: null,
      createdAt: now().toISOString(),
      expiresAt: null,
    });
  }

  it("reads an unknown secret once, then refuses it from memory, one by one and 50 at once", async () => {
    const { auth, cache, probe } = rig();
    const secret = generateKey("lk");

    const first = auth.authenticate(secret, IP, now());
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toEqual(UNKNOWN);
    expect(probe.reads).toBe(1);
    expect(cache.unknownSize).toBe(1);

    // Refused synchronously: no promise, no database read.
    for (let i = 0; i < 3; i++) {
      const again = auth.authenticate(secret, IP, now());
      expect(again).not.toBeInstanceOf(Promise);
      expect(again).toEqual(UNKNOWN);
      expect(auth.fromCache(secret, IP, now())).toEqual(UNKNOWN);
    }
    const burst = await Promise.all(
      Array.from({ length: 50 }, async () => auth.authenticate(secret, IP, now())),
    );
    expect(burst).toEqual(Array.from({ length: 50 }, () => UNKNOWN));
    expect(probe.reads).toBe(1);

    // The record is of that secret only: another unknown one is still read.
    expect(await auth.authenticate(generateKey("lk"), IP, now())).toEqual(UNKNOWN);
    expect(probe.reads).toBe(2);
  });

  it("records nothing with two pepper versions: every presentation reads the database under both", async () => {
    const { auth, cache, probe } = rig({ peppers: `${pepper(2)},${pepper(1)}` });
    const secret = generateKey("lk");
    for (let i = 1; i <= 3; i++) {
      const outcome = auth.authenticate(secret, IP, now());
      expect(outcome).toBeInstanceOf(Promise);
      expect(await outcome).toEqual(UNKNOWN);
      expect(probe.reads).toBe(2 * i);
    }
    const burst = await Promise.all(
      Array.from({ length: 10 }, async () => auth.authenticate(secret, IP, now())),
    );
    expect(burst).toEqual(Array.from({ length: 10 }, () => UNKNOWN));
    expect(probe.reads).toBe(2 * 13);
    expect(cache.unknownSize).toBe(0);
  });

  it("keeps no more unknown secrets than the key cache holds keys, and reads the oldest again", async () => {
    const { auth, cache, probe } = rig({ cacheSize: 2 });
    const [a, b, c] = [generateKey("lk"), generateKey("lk"), generateKey("lk")];
    for (const secret of [a, b, c])
      expect(await auth.authenticate(secret, IP, now())).toEqual(UNKNOWN);
    expect(cache.unknownSize).toBe(2);
    expect(probe.reads).toBe(3);
    // b and c are still recorded; a was pushed out and costs a read again.
    expect(auth.authenticate(c, IP, now())).toEqual(UNKNOWN);
    expect(auth.authenticate(b, IP, now())).toEqual(UNKNOWN);
    expect(probe.reads).toBe(3);
    expect(await auth.authenticate(a, IP, now())).toEqual(UNKNOWN);
    expect(probe.reads).toBe(4);
  });

  const forgetting: [string, (cache: KeyCache, other: KeyRecord) => void][] = [
    // Any key's: a reset gives a key a secret that may be the recorded one.
    ["an invalidation of another key", (cache, other) => cache.invalidate(other.id)],
    ["a clear (lease lost, re-register)", (cache) => cache.clear()],
    ["keys added (the bus's announcement)", (cache) => cache.keysAdded()],
  ];

  it.each(forgetting)(
    "forgets every recorded secret on %s: the next presentation reads again",
    async (_, forget) => {
      const { auth, cache, probe, peppers } = rig();
      const other = await insertRowFor(generateKey("lk"), peppers);
      const secret = generateKey("lk");
      expect(await auth.authenticate(secret, IP, now())).toEqual(UNKNOWN);
      expect(auth.authenticate(secret, IP, now())).toEqual(UNKNOWN);
      expect(probe.reads).toBe(1);

      forget(cache, other);
      expect(cache.unknownSize).toBe(0);
      const next = auth.authenticate(secret, IP, now());
      expect(next).toBeInstanceOf(Promise);
      expect(await next).toEqual(UNKNOWN);
      expect(probe.reads).toBe(2);
      // Still no row: recorded again, and refused from memory again.
      expect(auth.authenticate(secret, IP, now())).toEqual(UNKNOWN);
      expect(probe.reads).toBe(2);
    },
  );

  it("accepts a secret recorded as unknown once a row for it is inserted and announced", async () => {
    const { auth, cache, probe, peppers } = rig();
    const secret = generateKey("lk");
    expect(await auth.authenticate(secret, IP, now())).toEqual(UNKNOWN);
    expect(auth.authenticate(secret, IP, now())).toEqual(UNKNOWN);

    const row = await insertRowFor(secret, peppers);
    cache.keysAdded();
    const accepted = auth.authenticate(secret, IP, now());
    expect(accepted).toBeInstanceOf(Promise);
    expect(await accepted).toMatchObject({ ok: true, key: { record: { id: row.id } } });
    expect(probe.reads).toBe(2);
    // From then on answered from the cache, as any key.
    expect(auth.authenticate(secret, IP, now())).toMatchObject({
      ok: true,
      key: { record: { id: row.id } },
    });
    expect(probe.reads).toBe(2);
  });

  it("does not record a miss read before a row was inserted and announced, that finished after", async () => {
    const { auth, probe, peppers, cache } = rig();
    const secret = generateKey("lk");
    // The look-up reads (no row), then waits until the row is in and announced.
    let read = () => {};
    const hasRead = new Promise<void>((resolve) => {
      read = resolve;
    });
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    probe.afterRead = () => {
      read();
      return released;
    };
    const late = auth.authenticate(secret, IP, now());
    await hasRead;
    probe.afterRead = undefined;
    const row = await insertRowFor(secret, peppers);
    cache.keysAdded();
    release();
    // What it read was true when it read it; it must not be kept.
    expect(await late).toEqual(UNKNOWN);
    expect(cache.unknownSize).toBe(0);

    const next = auth.authenticate(secret, IP, now());
    expect(next).toBeInstanceOf(Promise);
    expect(await next).toMatchObject({ ok: true, key: { record: { id: row.id } } });
  });
});

/**
 * The same through a whole server (routes, throttle, error handler): an unknown key is 401
 * `invalid_api_key` each time, whether the database or the record answered, and a delete of
 * any key through the API (the local bus's invalidation) makes the next presentation read again.
 */
describe("unknown secrets (SQLite, through a server)", () => {
  let server: TestServer;
  let session: string;
  beforeAll(async () => {
    server = await startTestServer();
    ({ session } = await signUpAndLogIn(server.url));
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(() => server.close());

  const current = (key: string) => call(server.url, "GET", "/api/v0/users/current/", { key });

  it("answers 401 invalid_api_key every time, reading the database only the first time", async () => {
    const reads = vi.spyOn(server.deps.store, "findKeyByHash");
    const secret = generateKey(server.deps.config.keyPrefix);
    const answers = [await current(secret)];
    expect(reads).toHaveBeenCalledTimes(1);
    answers.push(...(await Promise.all(Array.from({ length: 20 }, () => current(secret)))));
    for (let i = 0; i < 3; i++) answers.push(await current(secret));
    expect(reads).toHaveBeenCalledTimes(1);
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ success: false, error: "invalid_api_key" });
    }
  });

  it("accepts a key created while unknown secrets are recorded at its first request", async () => {
    // A single node announces no insert: the new key gets in because its secret, made at
    // that moment, is not among those recorded (the record is per secret, not a blanket no).
    for (let i = 0; i < 3; i++)
      expect((await current(generateKey(server.deps.config.keyPrefix))).status).toBe(401);
    const { key } = await createKey(server.url, session);
    // Not vacuous: the record is still in use when the new key is first presented.
    expect(server.deps.cache.unknownSize).toBeGreaterThan(0);
    expect((await current(key)).status).toBe(200);
  });

  it("reads an unknown secret again after another key is deleted through the API", async () => {
    const { id } = await createKey(server.url, session);
    const reads = vi.spyOn(server.deps.store, "findKeyByHash");
    const secret = generateKey(server.deps.config.keyPrefix);
    expect((await current(secret)).status).toBe(401);
    expect((await current(secret)).status).toBe(401);
    expect(reads).toHaveBeenCalledTimes(1);
    const deleted = await call(server.url, "DELETE", `/api/v0/auth/apikeys/${id}/`, {
      key: session,
    });
    expect(deleted.status).toBe(200);
    const before = reads.mock.calls.length;
    expect((await current(secret)).status).toBe(401);
    expect(reads.mock.calls.length).toBe(before + 1);
  });
});
