import { randomUUID } from "node:crypto";
import {
  type ApiAnswer,
  call,
  createKey,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
} from "@latchkey/testkit";
import { afterEach, describe, expect, it } from "vitest";

/**
 * A flood of refused requests with a known key (a leaked key used from outside its allow-list,
 * or lacking the permission) gets 429 after the limits, and grows the audit log by one counted
 * row per key, route, reason and minute, not by one row per request; the key's allowed uses
 * keep working. On the REST routes and through the verify API, with both limiters. The clock is
 * fixed, so that every refusal falls in one audit minute (and the memory limiter's window never
 * ends); Redis windows are real minutes, far longer than a run.
 */
const limiters = {
  memory: () => ({}),
  redis: () => ({
    LATCHKEY_REDIS_URL: "redis://127.0.0.1:6379",
    LATCHKEY_REDIS_PREFIX: `latchkey-test-${randomUUID()}:`,
  }),
};

/** The finding's flood, with a leaked IP-restricted key from one address. */
const FLOOD = 3000;
/** The other floods: ten times the per-key limit. */
const SMALLER = 600;
/** Thousands of requests on a machine shared with other suites: generous, not a speed target. */
const LONG = 180_000;
const PER_ADDRESS = 20;
const PER_KEY = 60;
const ALLOWED = "203.0.113.0/24";

interface AuditRow {
  action: string;
  api_key_id: number;
  ip_address: string;
  count: number;
  args: { reason?: string; via?: string };
}

/** Sends `n` requests one after another and tallies their statuses (or verdict codes). */
async function tally(n: number, send: (i: number) => Promise<string | number>) {
  const seen = new Map<string | number, number>();
  const order: (string | number)[] = [];
  for (let i = 0; i < n; i++) {
    const outcome = await send(i);
    seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
    if (order.at(-1) !== outcome) order.push(outcome);
  }
  return { counts: Object.fromEntries(seen), order };
}

/** The i-th address of 10.0.0.0/8, for floods spread over many addresses. */
const spread = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

describe.each(Object.entries(limiters))("refusal floods (%s limiter)", (_, env) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start() {
    const clock = new Date("2030-06-01T12:00:30Z");
    server = await startTestServer(
      {
        LATCHKEY_TRUST_PROXY: "127.0.0.1",
        LATCHKEY_LOG_LEVEL: "warn",
        LATCHKEY_FAILED_AUTH_LIMIT: String(PER_ADDRESS),
        LATCHKEY_DENIED_USE_LIMIT: String(PER_KEY),
        ...env(),
      },
      { now: () => clock },
    );
    const { session } = await signUpAndLogIn(server.url);
    const url = server.url;
    const deniedRows = async (keyId: number) =>
      (
        await call<{ audit_logs: AuditRow[] }>(
          url,
          "GET",
          `/api/v0/audit_logs/?action=api_key.denied&api_key_id=${keyId}&limit=500`,
          { key: session },
        )
      ).body.audit_logs;
    const everyRow = async () =>
      (
        await call<{ audit_logs: AuditRow[] }>(url, "GET", "/api/v0/audit_logs/?limit=500", {
          key: session,
        })
      ).body.audit_logs;
    return { url, session, deniedRows, everyRow };
  }

  /**
   * A request through the whole server (hooks, routes, error handler, limiter, store) by
   * Fastify's inject, which skips only the socket: floods of thousands stay quick.
   */
  async function send(
    method: "GET" | "POST",
    path: string,
    options: { key?: string; ip?: string; body?: Record<string, unknown> },
  ): Promise<ApiAnswer> {
    const app = server?.app;
    if (!app) throw new Error("no server");
    const headers: Record<string, string> = {};
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    if (options.ip) headers["x-forwarded-for"] = options.ip;
    const res = await app.inject({
      method,
      url: path,
      headers,
      ...(options.body ? { payload: options.body } : {}),
    });
    return {
      status: res.statusCode,
      headers: new Headers(res.headers as Record<string, string>),
      body: res.json(),
    };
  }
  const current = (_url: string, key: string, ip: string) =>
    send("GET", "/api/v0/users/current/", { key, ip });
  const status = (answer: ApiAnswer) =>
    answer.status === 429 ? 429 : `${answer.status} ${String(answer.body.error)}`;

  it(
    "answers 3 000 uses of an IP-restricted key from a wrong address with 429 after the limit, in one audit row",
    async () => {
      const { url, session, deniedRows, everyRow } = await start();
      const leaked = await createKey(url, session, { key_params: { ip_whitelist: [ALLOWED] } });
      const rowsBefore = (await everyRow()).length;

      const flood = await tally(FLOOD, async () =>
        status(await current(url, leaked.key, "198.51.100.7")),
      );
      // Refused as it is until the address's limit, then 429 for the rest.
      expect(flood.order).toEqual(["403 ip_not_allowed", 429]);
      expect(flood.counts).toEqual({ "403 ip_not_allowed": PER_ADDRESS, 429: FLOOD - PER_ADDRESS });
      const rows = await deniedRows(leaked.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        count: PER_ADDRESS,
        ip_address: "198.51.100.7",
        args: { reason: "ip_not_allowed" },
      });
      expect((await everyRow()).length).toBe(rowsBefore + 1);
      // The key's owner, from inside its allow-list, is not refused because of the flood.
      expect((await current(url, leaked.key, "203.0.113.5")).status).toBe(200);
    },
    LONG,
  );

  it(
    "holds the per-key limit when the flood is spread over many addresses",
    async () => {
      const { url, session, deniedRows } = await start();
      const leaked = await createKey(url, session, { key_params: { ip_whitelist: [ALLOWED] } });
      const flood = await tally(FLOOD, async (i) =>
        status(await current(url, leaked.key, spread(i))),
      );
      expect(flood.order).toEqual(["403 ip_not_allowed", 429]);
      expect(flood.counts).toEqual({ "403 ip_not_allowed": PER_KEY, 429: FLOOD - PER_KEY });
      const rows = await deniedRows(leaked.id);
      expect(rows.map((r) => r.count)).toEqual([PER_KEY]);
      expect((await current(url, leaked.key, "203.0.113.5")).status).toBe(200);
    },
    LONG,
  );

  it(
    "limits and counts a key's refused permissions the same way, and keeps its allowed routes",
    async () => {
      const { url, session, deniedRows } = await start();
      const narrow = await createKey(url, session, { permissions: { api: { instance_read: {} } } });
      const flood = await tally(SMALLER, async (i) =>
        status(await current(url, narrow.key, spread(i))),
      );
      expect(flood.order).toEqual(["403 permission_denied", 429]);
      expect(flood.counts).toEqual({ "403 permission_denied": PER_KEY, 429: SMALLER - PER_KEY });
      expect((await deniedRows(narrow.id)).map((r) => r.count)).toEqual([PER_KEY]);
      // Its own category still answers: only refusals are limited.
      const verdict = await call(url, "POST", "/api/v0/auth/verify/", {
        body: { key: narrow.key, category: "instance_read" },
      });
      expect(verdict.body).toMatchObject({ valid: true, code: "VALID" });
    },
    LONG,
  );

  it(
    "answers a verify flood of IP_NOT_ALLOWED and FORBIDDEN with RATE_LIMITED after the limit, in one audit row each",
    async () => {
      const { url, session, deniedRows, everyRow } = await start();
      const leaked = await createKey(url, session, { key_params: { ip_whitelist: [ALLOWED] } });
      const narrow = await createKey(url, session, { permissions: { api: { instance_read: {} } } });
      const verify = async (body: Record<string, unknown>) => {
        const answer = await send("POST", "/api/v0/auth/verify/", { body });
        expect(answer.status).toBe(200);
        if (answer.body.code === "RATE_LIMITED") {
          expect(answer.body.retry_after).toBeGreaterThanOrEqual(1);
          expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        }
        return String(answer.body.code);
      };
      const rowsBefore = (await everyRow()).length;

      const wrongIp = await tally(FLOOD, () => verify({ key: leaked.key, ip: "198.51.100.7" }));
      expect(wrongIp.order).toEqual(["IP_NOT_ALLOWED", "RATE_LIMITED"]);
      expect(wrongIp.counts).toEqual({ IP_NOT_ALLOWED: PER_KEY, RATE_LIMITED: FLOOD - PER_KEY });
      const forbidden = await tally(FLOOD, () =>
        verify({ key: narrow.key, category: "billing_read" }),
      );
      expect(forbidden.order).toEqual(["FORBIDDEN", "RATE_LIMITED"]);
      expect(forbidden.counts).toEqual({ FORBIDDEN: PER_KEY, RATE_LIMITED: FLOOD - PER_KEY });

      expect((await deniedRows(leaked.id)).map((r) => [r.count, r.args.via])).toEqual([
        [PER_KEY, "verify"],
      ]);
      expect((await deniedRows(narrow.id)).map((r) => [r.count, r.args.via])).toEqual([
        [PER_KEY, "verify"],
      ]);
      expect((await everyRow()).length).toBe(rowsBefore + 2);
      // Both keys' allowed uses are still VALID.
      expect(await verify({ key: leaked.key, ip: "203.0.113.9" })).toBe("VALID");
      expect(await verify({ key: narrow.key, category: "instance_read" })).toBe("VALID");
    },
    LONG,
  );
});
