import { generateKey } from "@latchkey/core";
import {
  call,
  createKey,
  signUpAndLogIn,
  startReceiver,
  startTestServer,
  type TestReceiver,
  type TestServer,
} from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** The public leak report (issue 9, part 3) against the real server. */

const REPORT = "/api/v0/auth/apikeys/report-leak/";
const FOUND_AT = "https://gist.example.com/someone/abc123";

let server: TestServer;
let receiver: TestReceiver;
beforeAll(async () => {
  server = await startTestServer({
    LATCHKEY_WEBHOOK_POLL_SECONDS: "0",
    LATCHKEY_WEBHOOK_ALLOW_PRIVATE: "true",
  });
  receiver = await startReceiver();
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});

const report = (secrets: unknown, url: unknown = FOUND_AT, headers?: Record<string, string>) =>
  call(server.url, "POST", REPORT, { body: { secrets, url }, headers });

const statusWith = async (key: string) =>
  (await call(server.url, "GET", "/api/v0/users/current/", { key })).status;

/** A key in the right format with a valid checksum that no account holds. */
const unknownKey = () => generateKey("lk");

describe("POST /api/v0/auth/apikeys/report-leak/", () => {
  it("revokes a reported live key at once, records it in the owner's audit log and fires key.leaked", async () => {
    const owner = await signUpAndLogIn(server.url);
    const hook = await call<{ id: number }>(server.url, "POST", "/api/v0/webhooks/", {
      key: owner.session,
      body: { url: `${receiver.url}/leaks`, events: ["key.leaked"] },
    });
    const leaked = await createKey(server.url, owner.session, { name: "ci token" });
    const bystander = await createKey(server.url, owner.session, { name: "still fine" });
    expect(await statusWith(leaked.key)).toBe(200);

    const answer = await report([leaked.key], FOUND_AT);
    expect(answer.status).toBe(202);
    expect(await statusWith(leaked.key)).toBe(401);
    expect(await statusWith(bystander.key)).toBe(200);

    const log = await call<{ audit_logs: { action: string; api_key_id: number; args: unknown }[] }>(
      server.url,
      "GET",
      "/api/v0/audit_logs/?action=api_key.leaked",
      { key: owner.session },
    );
    expect(log.body.audit_logs).toHaveLength(1);
    expect(log.body.audit_logs[0]).toMatchObject({
      action: "api_key.leaked",
      api_key_id: leaked.id,
      args: { id: leaked.id, name: "ci token", url: FOUND_AT },
    });
    expect(JSON.stringify(log.body)).not.toContain(leaked.key);

    const from = receiver.received.length;
    await server.deps.webhookDispatcher.runOnce();
    const sent = receiver.received.slice(from).filter((r) => r.url === "/hook/leaks");
    expect(sent).toHaveLength(1);
    const event = JSON.parse(sent[0]?.body ?? "{}");
    expect(event).toMatchObject({
      type: "key.leaked",
      data: { key: { id: leaked.id, name: "ci token" }, url: FOUND_AT, revoked: "key" },
    });
    expect(sent[0]?.body).not.toContain(leaked.key);
    const shown = await call(server.url, "GET", `/api/v0/webhooks/${hook.body.id}/deliveries/`, {
      key: owner.session,
    });
    expect(JSON.stringify(shown.body)).toContain("key.leaked");
  });

  it("answers exactly the same for live, unknown, malformed, deleted and repeated secrets", async () => {
    const owner = await signUpAndLogIn(server.url);
    const live = await createKey(server.url, owner.session);
    const deleted = await createKey(server.url, owner.session);
    await call(server.url, "DELETE", `/api/v0/auth/apikeys/${deleted.id}/`, { key: owner.session });
    const badChecksum = `${live.key.slice(0, -1)}${live.key.endsWith("A") ? "B" : "A"}`;
    const batches = [
      [live.key],
      [unknownKey()],
      [badChecksum],
      ["hello", "lk_short", "x".repeat(512)],
      [deleted.key],
      [live.key, live.key],
      [unknownKey(), badChecksum, deleted.key],
    ];
    const answers = [];
    for (const secrets of batches) answers.push(await report(secrets));
    for (const answer of answers) {
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({
        success: true,
        msg: "Thank you: any valid key among these has been revoked and its owner told.",
      });
    }
    expect(await statusWith(live.key)).toBe(401);
    const log = await call<{ audit_logs: { api_key_id: number }[] }>(
      server.url,
      "GET",
      "/api/v0/audit_logs/?action=api_key.leaked",
      { key: owner.session },
    );
    // One report revoked the key; the repeat and the deleted key changed nothing.
    expect(log.body.audit_logs.map((r) => r.api_key_id)).toEqual([live.id]);
  });

  it("needs no credential, and ignores one that is sent", async () => {
    const owner = await signUpAndLogIn(server.url);
    const leaked = await createKey(server.url, owner.session);
    const answer = await report([leaked.key], FOUND_AT, { authorization: "Bearer nonsense" });
    expect(answer.status).toBe(202);
    expect(await statusWith(leaked.key)).toBe(401);
  });

  it("refuses malformed bodies with the catalogued 400", async () => {
    const cases: unknown[] = [
      {},
      { secrets: [] },
      { secrets: "lk_abc", url: FOUND_AT },
      { secrets: [42], url: FOUND_AT },
      { secrets: ["a"] },
      { secrets: ["a"], url: "" },
      { secrets: Array.from({ length: 101 }, (_, i) => `s${i}`), url: FOUND_AT },
      { secrets: ["x".repeat(513)], url: FOUND_AT },
      { secrets: ["a"], url: FOUND_AT, reporter: "me" },
    ];
    for (const body of cases) {
      const answer = await call(server.url, "POST", REPORT, { body });
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(answer.body.success).toBe(false);
      expect(answer.body.error).toBe("invalid_request");
    }
    const text = await server.fetch(`${server.url}${REPORT}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(text.status).toBe(400);
  });

  it("revokes only the old secret when it leaks during a reset's grace window", async () => {
    const owner = await signUpAndLogIn(server.url);
    const key = await createKey(server.url, owner.session, { name: "rotating" });
    const reset = await call<{ key: string }>(
      server.url,
      "POST",
      `/api/v0/auth/apikeys/${key.id}/reset/`,
      { key: owner.session, body: { grace_seconds: 3600 } },
    );
    expect(await statusWith(key.key)).toBe(200);
    expect((await report([key.key])).status).toBe(202);
    expect(await statusWith(key.key)).toBe(401);
    expect(await statusWith(reset.body.key)).toBe(200);
    const log = await call<{ audit_logs: { args: Record<string, unknown> }[] }>(
      server.url,
      "GET",
      "/api/v0/audit_logs/?action=api_key.leaked",
      { key: owner.session },
    );
    expect(log.body.audit_logs[0]?.args).toMatchObject({ id: key.id, secret: "previous" });
  });

  it("ends a leaked session key", async () => {
    const owner = await signUpAndLogIn(server.url);
    expect(await statusWith(owner.session)).toBe(200);
    expect((await report([owner.session])).status).toBe(202);
    expect(await statusWith(owner.session)).toBe(401);
  });

  it("is rate-limited per IP address with the stricter limit", async () => {
    const limited = await startTestServer({ LATCHKEY_SENSITIVE_RATE_LIMIT: "2" });
    try {
      const send = () =>
        call(limited.url, "POST", REPORT, { body: { secrets: [unknownKey()], url: FOUND_AT } });
      expect((await send()).status).toBe(202);
      expect((await send()).status).toBe(202);
      const third = await send();
      expect(third.status).toBe(429);
      expect(third.body.error).toBe("rate_limited");
      expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});
