import {
  call,
  createKey,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
} from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

interface Row {
  id: number;
  action: string;
  api_key_id: number | null;
  api_route: string;
  args: Record<string, unknown>;
  ip_address: string;
  created_at: string;
}

describe("audit log", () => {
  let server: TestServer;
  let session: string;
  const secrets: string[] = [];
  beforeAll(async () => {
    server = await startTestServer();
    ({ session } = await signUpAndLogIn(server.url));
  });
  afterAll(() => server.close());

  const log = async (query = "") =>
    (
      await call<{ audit_logs: Row[] }>(server.url, "GET", `/api/v0/audit_logs/${query}`, {
        key: session,
      })
    ).body.audit_logs;

  it("records create, reset, delete and denied use, with ip, key, route and args", async () => {
    const me = await call(server.url, "GET", "/api/v0/users/current/", { key: session });
    const sessionId = me.body.key_id;
    const created = await createKey(server.url, session, {
      name: "audited",
      permissions: { api: { user_read: {} } },
    });
    secrets.push(created.key);
    const reset = await call(server.url, "POST", `/api/v0/auth/apikeys/${created.id}/reset/`, {
      key: session,
    });
    secrets.push(String(reset.body.key));
    const denied = await call(server.url, "GET", "/api/v0/audit_logs/", {
      key: String(reset.body.key),
    });
    expect(denied.status).toBe(403);
    await call(server.url, "DELETE", `/api/v0/auth/apikeys/${created.id}/`, { key: session });

    const rows = await log();
    const byAction = (action: string) => rows.filter((r) => r.action === action);
    expect(byAction("api_key.create")[0]).toMatchObject({
      api_key_id: sessionId,
      api_route: "POST /api/v0/auth/apikeys/",
      ip_address: "127.0.0.1",
      args: { id: created.id, name: "audited", permissions: { api: { user_read: {} } } },
    });
    expect(byAction("api_key.reset")[0]).toMatchObject({
      args: { id: created.id },
      api_route: "POST /api/v0/auth/apikeys/{id}/reset/",
    });
    expect(byAction("api_key.delete")[0]).toMatchObject({ args: { id: created.id } });
    expect(byAction("api_key.denied")[0]).toMatchObject({
      api_key_id: created.id,
      api_route: "GET /api/v0/audit_logs/",
      args: { required: { category: "misc" } },
    });
    for (const row of rows) expect(Date.parse(row.created_at)).not.toBeNaN();
    const text = JSON.stringify(rows);
    for (const secret of [...secrets, session]) expect(text).not.toContain(secret);
  });

  it("filters by action and key, pages with before and limit, newest first", async () => {
    const a = await createKey(server.url, session, { name: "a" });
    await createKey(server.url, session, { name: "b" });
    const creates = await log("?action=api_key.create");
    expect(creates.every((r) => r.action === "api_key.create")).toBe(true);
    const ids = creates.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((x, y) => y - x));
    const first = await log("?limit=1");
    expect(first).toHaveLength(1);
    const next = await log(`?limit=1&before=${first[0]?.id}`);
    expect(next[0]?.id).toBeLessThan(first[0]?.id ?? 0);
    await call(server.url, "GET", "/api/v0/users/current/", { key: a.key });
    const byKey = await log(`?api_key_id=${a.id}`);
    expect(byKey.every((r) => r.api_key_id === a.id)).toBe(true);
  });

  it("refuses bad filters with a 400", async () => {
    for (const query of ["?limit=0", "?limit=9999", "?api_key_id=abc", "?bogus=1"]) {
      const answer = await call(server.url, "GET", `/api/v0/audit_logs/${query}`, { key: session });
      expect(answer.status, query).toBe(400);
      expect(answer.body.error).toBe("invalid_request");
    }
  });

  it("shows only the caller's own account", async () => {
    const other = await signUpAndLogIn(server.url);
    await createKey(server.url, other.session, { name: "theirs" });
    const mine = await log();
    expect(mine.some((r) => r.args.name === "theirs")).toBe(false);
  });
});
