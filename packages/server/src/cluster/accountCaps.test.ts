import { randomUUID } from "node:crypto";
import {
  type ApiAnswer,
  call,
  createKey,
  signUpAndLogIn,
  startCluster,
  startTestServer,
} from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The per-account caps under concurrent creates from many keys at once: never more live keys
 * or sessions than the cap, on the single SQLite node and on three PostgreSQL nodes, where
 * the count and the insert run under the account's row lock.
 */

const CAPS = { LATCHKEY_ACCOUNT_MAX_KEYS: "10", LATCHKEY_ACCOUNT_MAX_SESSIONS: "5" };

interface Setup {
  urls: string[];
  stop(): Promise<void>;
}

const setups: Record<string, () => Promise<Setup>> = {
  "one SQLite node": async () => {
    const server = await startTestServer({ LATCHKEY_LOG_LEVEL: "warn", ...CAPS });
    return { urls: [server.url], stop: () => server.close() };
  },
  "three PostgreSQL nodes": async () => {
    const cluster = await startCluster(3, CAPS);
    return { urls: cluster.urls, stop: () => cluster.stop() };
  },
};

type Body = { id: number; key: string; error?: string; session_key?: string };
const byStatus = (answers: ApiAnswer<Body>[]) => {
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
};

describe.each(Object.keys(setups))("account caps under concurrency on %s", (name) => {
  let setup: Setup;
  let urls: string[];
  const node = (i: number) => urls[i % urls.length] ?? "";

  beforeAll(async () => {
    const start = setups[name];
    if (!start) throw new Error(name);
    setup = await start();
    urls = setup.urls;
  });
  afterAll(async () => {
    await setup?.stop();
  });

  const liveKeys = async (url: string, session: string) =>
    (
      await call<{ apikeys: { id: number }[] }>(url, "GET", "/api/v0/auth/apikeys/", {
        key: session,
      })
    ).body.apikeys.length;

  it("never lets many keys creating at once past the cap on live keys", async () => {
    const { session } = await signUpAndLogIn(node(0));
    const creators = [session];
    for (let i = 0; i < 4; i++) creators.push((await createKey(node(i), session)).key);
    // 48 creates at once, from five credentials, spread over every node; 6 places are left.
    const answers = await Promise.all(
      Array.from({ length: 48 }, (_, i) =>
        call<Body>(node(i), "POST", "/api/v0/auth/apikeys/", {
          key: creators[i % creators.length] ?? "",
          body: { name: `race ${i}` },
        }),
      ),
    );
    expect(byStatus(answers)).toEqual({ 200: 6, 409: 42 });
    for (const a of answers.filter((a) => a.status === 409)) {
      expect(a.body.error).toBe("api_key_limit_reached");
    }
    for (const url of urls) expect(await liveKeys(url, session)).toBe(10);
    const audit = await call<{ audit_logs: unknown[] }>(
      node(1),
      "GET",
      "/api/v0/audit_logs/?action=api_key.create&limit=500",
      { key: session },
    );
    expect(audit.body.audit_logs).toHaveLength(10);

    // Deleting three makes room for exactly three more, however many ask at once.
    const ids = answers.filter((a) => a.status === 200).map((a) => a.body.id);
    await Promise.all(
      ids
        .slice(0, 3)
        .map((id, i) => call(node(i), "DELETE", `/api/v0/auth/apikeys/${id}/`, { key: session })),
    );
    const again = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        call<Body>(node(i), "POST", "/api/v0/auth/apikeys/", {
          key: creators[i % creators.length] ?? "",
          body: { name: `again ${i}` },
        }),
      ),
    );
    expect(byStatus(again)).toEqual({ 200: 3, 409: 21 });
    for (const url of urls) expect(await liveKeys(url, session)).toBe(10);
  });

  it("never lets logins at once past the cap on live sessions", async () => {
    const { email, password, session } = await signUpAndLogIn(node(0));
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        call<Body>(node(i), "POST", "/api/v0/auth/login/", { body: { email, password } }),
      ),
    );
    expect(byStatus(answers)).toEqual({ 200: 4, 409: 12 });
    for (const a of answers.filter((a) => a.status === 409)) {
      expect(a.body.error).toBe("session_limit_reached");
      expect(a.body.session_key).toBeUndefined();
    }
    for (const url of urls) {
      const listed = await call<{ sessions: unknown[] }>(url, "GET", "/api/v0/auth/sessions/", {
        key: session,
      });
      expect(listed.body.sessions).toHaveLength(5);
    }
  });
});

describe("the per-minute budget on three PostgreSQL nodes sharing Redis", () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  beforeAll(async () => {
    cluster = await startCluster(3, {
      LATCHKEY_REDIS_URL: "redis://127.0.0.1:6379",
      LATCHKEY_REDIS_PREFIX: `latchkey-test-${randomUUID()}:`,
      LATCHKEY_ACCOUNT_KEY_RATE_LIMIT: "10",
    });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("is one budget for the account, not one per node", async () => {
    const node = (i: number) => cluster.urls[i % cluster.urls.length] ?? "";
    const { session } = await signUpAndLogIn(node(0));
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call<Body>(node(i), "POST", "/api/v0/auth/apikeys/", {
          key: session,
          body: { name: `budget ${i}` },
        }),
      ),
    );
    // The login spent one of the ten.
    expect(byStatus(answers)).toEqual({ 200: 9, 429: 21 });
  });
});
