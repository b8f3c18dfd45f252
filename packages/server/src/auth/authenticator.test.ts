import { generateKey } from "@latchkey/core";
import {
  call,
  createKey,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
} from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { AuthOutcome } from "./authenticator.js";

/**
 * The hot path: a key is read from the database once, then answered from the cache without
 * a database read and without a promise, until it is revoked.
 */
describe("Authenticator", () => {
  let server: TestServer;
  let session: string;
  const ip = "192.0.2.10";
  const now = () => new Date();

  beforeAll(async () => {
    server = await startTestServer();
    ({ session } = await signUpAndLogIn(server.url));
  });
  afterAll(() => server.close());

  /** The database reads of keys that authentication makes while `run` runs. */
  async function readsDuring(run: () => Promise<unknown> | unknown): Promise<number> {
    const reads = vi.spyOn(server.deps.store, "findKeyByHash");
    try {
      await run();
      return reads.mock.calls.length;
    } finally {
      reads.mockRestore();
    }
  }

  it("reads a key once, then answers it from the cache synchronously", async () => {
    const { key, id } = await createKey(server.url, session);
    const auth = server.deps.authenticator;
    const first = auth.authenticate(key, ip, now());
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toMatchObject({ ok: true, key: { record: { id } } });

    let outcomes: (AuthOutcome | Promise<AuthOutcome>)[] = [];
    const reads = await readsDuring(() => {
      outcomes = [1, 2, 3].map(() => auth.authenticate(key, ip, now()));
    });
    expect(reads).toBe(0);
    for (const outcome of outcomes) {
      expect(outcome).not.toBeInstanceOf(Promise);
      expect(outcome).toMatchObject({ ok: true, key: { record: { id } } });
    }
  });

  it("looks a secret it does not know up once, then refuses it from memory, each time", async () => {
    const unknown = generateKey("lk");
    const auth = server.deps.authenticator;
    const reads = await readsDuring(async () => {
      for (let i = 0; i < 3; i++) {
        expect(await auth.authenticate(unknown, ip, now())).toEqual({
          ok: false,
          reason: "unknown",
        });
      }
    });
    expect(reads).toBe(1);
  });

  it("refuses a secret whose checksum is wrong without a lookup, even one differing from a cached key by a character", async () => {
    const { key } = await createKey(server.url, session);
    const auth = server.deps.authenticator;
    expect(await auth.authenticate(key, ip, now())).toMatchObject({ ok: true });
    const last = key.at(-1) === "A" ? "B" : "A";
    const typo = `${key.slice(0, -1)}${last}`;
    const reads = await readsDuring(() => {
      expect(auth.authenticate(typo, ip, now())).toEqual({ ok: false, reason: "malformed" });
      expect(auth.authenticate("not a key", ip, now())).toEqual({ ok: false, reason: "malformed" });
    });
    expect(reads).toBe(0);
  });

  it("judges a cached key's expiry at the time given, without reading it again", async () => {
    const expiresAt = new Date(Date.now() + 3_600_000);
    const { key } = await createKey(server.url, session, {
      expires_at: expiresAt.toISOString(),
    });
    const auth = server.deps.authenticator;
    expect(await auth.authenticate(key, ip, now())).toMatchObject({ ok: true });
    const reads = await readsDuring(() => {
      const before = new Date(expiresAt.getTime() - 1);
      expect(auth.authenticate(key, ip, before)).toMatchObject({ ok: true });
      expect(auth.authenticate(key, ip, expiresAt)).toMatchObject({ ok: false, reason: "expired" });
    });
    expect(reads).toBe(0);
  });

  it("reads a deleted key again and refuses it: the cache no longer holds it", async () => {
    const { key, id } = await createKey(server.url, session);
    const auth = server.deps.authenticator;
    expect(await auth.authenticate(key, ip, now())).toMatchObject({ ok: true });
    const deleted = await call(server.url, "DELETE", `/api/v0/auth/apikeys/${id}/`, {
      key: session,
    });
    expect(deleted.status).toBe(200);
    const reads = await readsDuring(async () => {
      const outcome = auth.authenticate(key, ip, now());
      expect(outcome).toBeInstanceOf(Promise);
      expect(await outcome).toMatchObject({ ok: false, reason: "revoked" });
    });
    expect(reads).toBe(1);
  });
});
