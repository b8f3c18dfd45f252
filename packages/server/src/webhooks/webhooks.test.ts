import { createHmac } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  call,
  createKey,
  type ReceivedRequest,
  signUpAndLogIn,
  startReceiver,
  startTestServer,
  type TestReceiver,
  type TestServer,
} from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Webhooks against the real server and a real receiver on 127.0.0.1. The server's clock is
 * the test's, and the test runs the dispatcher's passes itself (LATCHKEY_WEBHOOK_POLL_SECONDS
 * = 0), so retries and backoff are checked exactly, without waiting.
 */

interface Delivery {
  id: number;
  webhook_id: number;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  max_attempts: number;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: string | null;
  redelivery_of: number | null;
  payload: { id: string; type: string; data: Record<string, unknown> };
}

interface Event {
  id: string;
  type: string;
  created_at: string;
  data: { key?: Record<string, unknown>; [field: string]: unknown };
}

let clock = Date.parse("2027-03-01T00:00:00Z");
let server: TestServer;
const SECOND = 1000;

beforeAll(async () => {
  server = await startTestServer(
    {
      LATCHKEY_WEBHOOK_POLL_SECONDS: "0",
      LATCHKEY_WEBHOOK_ALLOW_PRIVATE: "true",
      LATCHKEY_WEBHOOK_RETRY_SECONDS: "10,60,300",
    },
    { now: () => new Date(clock) },
  );
});
afterAll(() => server.close());

const pass = () => server.deps.webhookDispatcher.runOnce();
const body = (request: ReceivedRequest) => JSON.parse(request.body) as Event;

async function register(session: string, fields: Record<string, unknown>) {
  const created = await call<{ id: number; url: string; secret: string; secret_last4: string }>(
    server.url,
    "POST",
    "/api/v0/webhooks/",
    { key: session, body: fields },
  );
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body;
}

async function deliveries(session: string, id: number, query = ""): Promise<Delivery[]> {
  const answer = await call<{ deliveries: Delivery[] }>(
    server.url,
    "GET",
    `/api/v0/webhooks/${id}/deliveries/${query}`,
    { key: session },
  );
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.deliveries;
}

/** The v1 signature of a request, recomputed independently of the server's code. */
function expectSigned(request: ReceivedRequest, secret: string, at: number) {
  const header = String(request.headers["latchkey-signature"]);
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  expect(match, header).not.toBeNull();
  const t = match?.[1] ?? "";
  expect(Number(t)).toBe(Math.floor(at / 1000));
  const expected = createHmac("sha256", secret).update(`${t}.${request.body}`).digest("hex");
  expect(match?.[2]).toBe(expected);
}

describe("webhook endpoints", () => {
  it("shows the signing secret once and keeps it only encrypted at rest", async () => {
    const user = await signUpAndLogIn(server.url);
    const created = await register(user.session, {
      url: "http://127.0.0.1:9/hook?source=latchkey",
      description: "  audit sink  ",
    });
    expect(created).toMatchObject({
      success: true,
      url: "http://127.0.0.1:9/hook?source=latchkey",
      description: "audit sink",
      events: null,
      active: true,
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created.secret_last4).toBe(created.secret.slice(-4));

    const shown = await call(server.url, "GET", `/api/v0/webhooks/${created.id}/`, {
      key: user.session,
    });
    const listed = await call<{ webhooks: { id: number }[] }>(
      server.url,
      "GET",
      "/api/v0/webhooks/",
      { key: user.session },
    );
    expect(shown.body).toEqual({
      id: created.id,
      url: created.url,
      description: "audit sink",
      events: null,
      active: true,
      secret_last4: created.secret_last4,
      created_at: new Date(clock).toISOString(),
      updated_at: new Date(clock).toISOString(),
    });
    expect(listed.body.webhooks).toEqual([shown.body]);
    for (const answer of [shown.body, listed.body]) {
      expect(JSON.stringify(answer)).not.toContain(created.secret.slice(6));
    }
    for (const name of readdirSync(server.dataDir)) {
      const bytes = readFileSync(join(server.dataDir, name));
      expect(bytes.includes(created.secret.slice(6)), name).toBe(false);
    }
  });

  it("refuses bad URLs, events, descriptions and fields with a 400 naming the field", async () => {
    const user = await signUpAndLogIn(server.url);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ url: "ftp://example.com/hook" }, /url: must be http or https/],
      [{ url: "not a url" }, /url: not an absolute URL/],
      [{ url: "https://user:pw@example.com/hook" }, /url: must not contain a user name/],
      [{ url: "https://token@example.com/hook" }, /url: must not contain a user name/],
      [{ url: "https://example.com/hook#part" }, /url: must not have a #fragment/],
      [{ url: `https://example.com/${"a".repeat(2040)}` }, /url: at most 2048 characters/],
      [{ url: "https://example.com/", events: ["key.nope"] }, /events/],
      [{ url: "https://example.com/", events: ["ping"] }, /events/],
      [{ url: "https://example.com/", events: [] }, /events/],
      [{ url: "https://example.com/", description: "d".repeat(256) }, /description: at most 255/],
      [{ url: "https://example.com/", secret: "mine" }, /secret/],
      [{ events: ["key.created"] }, /url/],
    ];
    for (const [fields, msg] of cases) {
      const answer = await call(server.url, "POST", "/api/v0/webhooks/", {
        key: user.session,
        body: fields,
      });
      expect(answer.status, JSON.stringify(fields)).toBe(400);
      expect(answer.body.error).toBe("invalid_request");
      expect(String(answer.body.msg), JSON.stringify(fields)).toMatch(msg);
    }
    const { id } = await register(user.session, { url: "https://example.com/hook" });
    const bad = await call(server.url, "PUT", `/api/v0/webhooks/${id}/`, {
      key: user.session,
      body: { url: "javascript:alert(1)" },
    });
    expect(bad.status).toBe(400);
  });

  it("refuses loopback, private and link-local targets unless the operator allows them", async () => {
    const strict = await startTestServer();
    try {
      const user = await signUpAndLogIn(strict.url);
      for (const url of [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        // Issue 14.11: these four passed registration.
        "http://localhost./hook",
        "http://[::127.0.0.1]/hook",
        "http://[::ffff:0:7f00:1]/hook",
        "http://[fec0::1]/hook",
      ]) {
        const answer = await call(strict.url, "POST", "/api/v0/webhooks/", {
          key: user.session,
          body: { url },
        });
        expect(answer.status, url).toBe(400);
        expect(String(answer.body.msg), url).toContain("LATCHKEY_WEBHOOK_ALLOW_PRIVATE");
      }
      const ok = await call(strict.url, "POST", "/api/v0/webhooks/", {
        key: user.session,
        body: { url: "https://hooks.example.com/latchkey" },
      });
      expect(ok.status).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it("lets an account have at most 20 endpoints", async () => {
    const user = await signUpAndLogIn(server.url);
    for (let i = 0; i < 20; i++) await register(user.session, { url: `https://example.com/${i}` });
    const over = await call(server.url, "POST", "/api/v0/webhooks/", {
      key: user.session,
      body: { url: "https://example.com/21" },
    });
    expect(over.status).toBe(400);
    expect(String(over.body.msg)).toContain("20 webhooks");
  });

  it("changes an endpoint partly, audits every change without the secret, and deletes it", async () => {
    const user = await signUpAndLogIn(server.url);
    const created = await register(user.session, { url: "https://example.com/a" });
    clock += SECOND;
    const changed = await call(server.url, "PUT", `/api/v0/webhooks/${created.id}/`, {
      key: user.session,
      body: { events: ["key.deleted", "key.created", "key.deleted"], active: false },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      url: "https://example.com/a",
      events: ["key.created", "key.deleted"],
      active: false,
      updated_at: new Date(clock).toISOString(),
    });
    const all = await call(server.url, "PUT", `/api/v0/webhooks/${created.id}/`, {
      key: user.session,
      body: { events: null },
    });
    expect(all.body.events).toBeNull();
    const gone = await call(server.url, "DELETE", `/api/v0/webhooks/${created.id}/`, {
      key: user.session,
    });
    expect(gone.body).toEqual({ success: true, msg: "Successfully Deleted Webhook" });
    const again = await call(server.url, "GET", `/api/v0/webhooks/${created.id}/`, {
      key: user.session,
    });
    expect(again.status).toBe(404);

    const log = await call<{ audit_logs: { action: string; args: unknown }[] }>(
      server.url,
      "GET",
      "/api/v0/audit_logs/?limit=10",
      { key: user.session },
    );
    const actions = log.body.audit_logs.map((r) => r.action);
    expect(actions.slice(0, 4)).toEqual([
      "webhook.delete",
      "webhook.update",
      "webhook.update",
      "webhook.create",
    ]);
    expect(JSON.stringify(log.body)).not.toContain(created.secret.slice(6));
  });

  it("answers 404 for another account's endpoint on every route, and never lists it", async () => {
    const owner = await signUpAndLogIn(server.url);
    const stranger = await signUpAndLogIn(server.url);
    const { id } = await register(owner.session, { url: "https://example.com/owner" });
    const ping = await call<Delivery>(server.url, "POST", `/api/v0/webhooks/${id}/test/`, {
      key: owner.session,
    });
    for (const [method, path, payload] of [
      ["GET", `/api/v0/webhooks/${id}/`, undefined],
      ["PUT", `/api/v0/webhooks/${id}/`, { description: "mine now" }],
      ["DELETE", `/api/v0/webhooks/${id}/`, undefined],
      ["GET", `/api/v0/webhooks/${id}/deliveries/`, undefined],
      ["POST", `/api/v0/webhooks/${id}/test/`, undefined],
      ["POST", `/api/v0/webhooks/${id}/deliveries/${ping.body.id}/redeliver/`, undefined],
    ] as const) {
      const answer = await call(server.url, method, path, { key: stranger.session, body: payload });
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body.error).toBe("not_found");
      expect(JSON.stringify(answer.body)).not.toContain("example.com/owner");
    }
    const theirs = await call<{ webhooks: unknown[] }>(server.url, "GET", "/api/v0/webhooks/", {
      key: stranger.session,
    });
    expect(theirs.body.webhooks).toEqual([]);
    const still = await call(server.url, "GET", `/api/v0/webhooks/${id}/`, { key: owner.session });
    expect(still.body.description).toBe("");
  });
});

describe("webhook delivery", () => {
  let receiver: TestReceiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver.close());

  /** Requests the receiver got since `from`, for one path. */
  const since = (from: number, path: string) =>
    receiver.received.slice(from).filter((r) => r.url === path);

  it("sends each subscribed event once, signed, with its id and type in headers and no secret", async () => {
    const user = await signUpAndLogIn(server.url);
    const all = await register(user.session, { url: `${receiver.url}/all` });
    const deletes = await register(user.session, {
      url: `${receiver.url}/deletes`,
      events: ["key.deleted"],
    });
    const paused = await register(user.session, { url: `${receiver.url}/paused`, active: false });
    const from = receiver.received.length;
    clock += SECOND;
    const key = await createKey(server.url, user.session, { name: "deploy" });
    clock += SECOND;
    await call(server.url, "DELETE", `/api/v0/auth/apikeys/${key.id}/`, { key: user.session });
    const sentAt = clock;

    await pass();
    await pass();

    const toAll = since(from, "/hook/all");
    expect(toAll.map((r) => body(r).type)).toEqual(["key.created", "key.deleted"]);
    expect(since(from, "/hook/deletes").map((r) => body(r).type)).toEqual(["key.deleted"]);
    expect(since(from, "/hook/paused")).toEqual([]);

    for (const request of toAll) {
      const event = body(request);
      expect(request.method).toBe("POST");
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.headers["latchkey-event-id"]).toBe(event.id);
      expect(request.headers["latchkey-event-type"]).toBe(event.type);
      expect(event.id).toMatch(/^evt_\d+$/);
      expect(event.data.key).toMatchObject({ id: key.id, name: "deploy" });
      expect(request.body).not.toContain(key.key);
      expect(request.body).not.toContain(key.key.slice(3, -6));
      expectSigned(request, all.secret, sentAt);
    }
    expect(body(toAll[0] as ReceivedRequest).created_at).toBe(
      new Date(sentAt - SECOND).toISOString(),
    );
    const deleted = since(from, "/hook/deletes")[0] as ReceivedRequest;
    expectSigned(deleted, deletes.secret, sentAt);
    expect(deleted.headers["latchkey-event-id"]).toBe(toAll[1]?.headers["latchkey-event-id"]);

    const log = await deliveries(user.session, all.id);
    expect(log.map((d) => [d.event_type, d.status, d.attempts, d.last_status_code])).toEqual([
      ["key.deleted", "delivered", 1, 204],
      ["key.created", "delivered", 1, 204],
    ]);
    expect(log[0]).toMatchObject({
      max_attempts: 4,
      next_attempt_at: null,
      last_error: null,
      delivered_at: new Date(sentAt).toISOString(),
      redelivery_of: null,
    });
    expect(log[0]?.payload).toEqual(body(toAll[1] as ReceivedRequest));
    expect(await deliveries(user.session, paused.id)).toEqual([]);
  });

  it("sends an endpoint only the events that happen after it is registered", async () => {
    const user = await signUpAndLogIn(server.url);
    await createKey(server.url, user.session, { name: "before" });
    clock += SECOND;
    const late = await register(user.session, { url: `${receiver.url}/late` });
    clock += SECOND;
    await createKey(server.url, user.session, { name: "after" });
    const from = receiver.received.length;
    await pass();
    expect(since(from, "/hook/late").map((r) => body(r).data.key?.name)).toEqual(["after"]);
    expect((await deliveries(user.session, late.id)).length).toBe(1);
  });

  it("retries a failing receiver with backoff until it answers 2xx", async () => {
    const user = await signUpAndLogIn(server.url);
    const hook = await register(user.session, { url: `${receiver.url}/flaky` });
    let failures = 0;
    receiver.respond = (request) => (request.url === "/hook/flaky" && failures++ < 2 ? 500 : 204);
    const from = receiver.received.length;
    try {
      await createKey(server.url, user.session, { name: "retried" });
      await pass();
      let [delivery] = await deliveries(user.session, hook.id);
      expect(delivery).toMatchObject({
        status: "pending",
        attempts: 1,
        last_status_code: 500,
        last_error: "HTTP 500",
        last_attempt_at: new Date(clock).toISOString(),
        next_attempt_at: new Date(clock + 10 * SECOND).toISOString(),
        delivered_at: null,
      });
      // Not due yet: nothing is sent.
      clock += 9 * SECOND;
      await pass();
      expect(since(from, "/hook/flaky")).toHaveLength(1);

      clock += SECOND;
      await pass();
      [delivery] = await deliveries(user.session, hook.id);
      expect(delivery).toMatchObject({
        status: "pending",
        attempts: 2,
        next_attempt_at: new Date(clock + 60 * SECOND).toISOString(),
      });
      clock += 60 * SECOND;
      await pass();
      [delivery] = await deliveries(user.session, hook.id);
      expect(delivery).toMatchObject({
        status: "delivered",
        attempts: 3,
        last_status_code: 204,
        last_error: null,
        next_attempt_at: null,
        delivered_at: new Date(clock).toISOString(),
      });
      const attempts = since(from, "/hook/flaky");
      expect(attempts).toHaveLength(3);
      // Every attempt sends the same body and event id; only the signature's time moves on.
      expect(new Set(attempts.map((r) => r.body)).size).toBe(1);
      expect(new Set(attempts.map((r) => r.headers["latchkey-event-id"])).size).toBe(1);
      expect(new Set(attempts.map((r) => r.headers["latchkey-signature"])).size).toBe(3);
      expectSigned(attempts[2] as ReceivedRequest, hook.secret, clock);
    } finally {
      receiver.respond = () => 204;
    }
  });

  it("marks a delivery failed after its last attempt; redeliver sends the same event again", async () => {
    const user = await signUpAndLogIn(server.url);
    const hook = await register(user.session, { url: `${receiver.url}/down` });
    receiver.respond = (request) => (request.url === "/hook/down" ? 503 : 204);
    const from = receiver.received.length;
    try {
      await createKey(server.url, user.session, { name: "lost" });
      for (const wait of [0, 10, 60, 300]) {
        clock += wait * SECOND;
        await pass();
      }
      clock += 3600 * SECOND;
      await pass();
      const [failed] = await deliveries(user.session, hook.id);
      expect(failed).toMatchObject({
        status: "failed",
        attempts: 4,
        max_attempts: 4,
        last_status_code: 503,
        next_attempt_at: null,
      });
      expect(since(from, "/hook/down")).toHaveLength(4);
      expect(await deliveries(user.session, hook.id, "?status=failed")).toHaveLength(1);
      expect(await deliveries(user.session, hook.id, "?status=pending")).toHaveLength(0);

      receiver.respond = () => 200;
      const again = await call<Delivery>(
        server.url,
        "POST",
        `/api/v0/webhooks/${hook.id}/deliveries/${failed?.id}/redeliver/`,
        { key: user.session },
      );
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({
        status: "pending",
        attempts: 0,
        redelivery_of: failed?.id,
        event_id: failed?.event_id,
        event_type: "key.created",
      });
      await pass();
      const sent = since(from, "/hook/down");
      expect(sent).toHaveLength(5);
      expect(sent[4]?.body).toBe(sent[0]?.body);
      expect(sent[4]?.headers["latchkey-event-id"]).toBe(failed?.event_id);
      expectSigned(sent[4] as ReceivedRequest, hook.secret, clock);
      const log = await deliveries(user.session, hook.id);
      expect(log.map((d) => [d.id, d.status])).toEqual([
        [again.body.id, "delivered"],
        [failed?.id, "failed"],
      ]);
      const missing = await call(
        server.url,
        "POST",
        `/api/v0/webhooks/${hook.id}/deliveries/999999/redeliver/`,
        { key: user.session },
      );
      expect(missing.status).toBe(404);
    } finally {
      receiver.respond = () => 204;
    }
  });

  it("records why an attempt failed when nothing answers, and does not follow redirects", async () => {
    const user = await signUpAndLogIn(server.url);
    const closed = await startReceiver();
    const deadUrl = closed.url;
    await closed.close();
    const dead = await register(user.session, { url: deadUrl, events: ["key.created"] });
    const moved = await register(user.session, {
      url: `${receiver.url}/moved`,
      events: ["key.created"],
    });
    receiver.respond = (request) => (request.url === "/hook/moved" ? 302 : 204);
    try {
      await createKey(server.url, user.session);
      await pass();
      const [refused] = await deliveries(user.session, dead.id);
      expect(refused).toMatchObject({ status: "pending", last_status_code: null });
      expect(refused?.last_error).toContain("ECONNREFUSED");
      const [redirected] = await deliveries(user.session, moved.id);
      expect(redirected).toMatchObject({ status: "pending", last_status_code: 302 });
      expect(redirected?.last_error).toContain("redirects are not followed");
    } finally {
      receiver.respond = () => 204;
    }
  });

  it("sends a signed ping on test, whatever events the endpoint takes, and not to an inactive one", async () => {
    const user = await signUpAndLogIn(server.url);
    const hook = await register(user.session, {
      url: `${receiver.url}/ping`,
      events: ["key.leaked"],
    });
    const from = receiver.received.length;
    const ping = await call<Delivery>(server.url, "POST", `/api/v0/webhooks/${hook.id}/test/`, {
      key: user.session,
    });
    expect(ping.status).toBe(200);
    expect(ping.body).toMatchObject({ event_type: "ping", status: "pending", attempts: 0 });
    await pass();
    const [request] = since(from, "/hook/ping");
    expect(request && body(request)).toMatchObject({
      id: ping.body.event_id,
      type: "ping",
      data: { webhook_id: hook.id },
    });
    expectSigned(request as ReceivedRequest, hook.secret, clock);

    await call(server.url, "PUT", `/api/v0/webhooks/${hook.id}/`, {
      key: user.session,
      body: { active: false },
    });
    const refused = await call(server.url, "POST", `/api/v0/webhooks/${hook.id}/test/`, {
      key: user.session,
    });
    expect(refused.status).toBe(400);
    expect(String(refused.body.msg)).toContain("inactive");
  });

  it("holds pending deliveries while an endpoint is inactive and drops them when it is deleted", async () => {
    const user = await signUpAndLogIn(server.url);
    const hook = await register(user.session, { url: `${receiver.url}/held` });
    receiver.respond = (request) => (request.url === "/hook/held" ? 500 : 204);
    const from = receiver.received.length;
    try {
      await createKey(server.url, user.session);
      await pass();
      await call(server.url, "PUT", `/api/v0/webhooks/${hook.id}/`, {
        key: user.session,
        body: { active: false },
      });
      clock += 3600 * SECOND;
      await pass();
      expect(since(from, "/hook/held")).toHaveLength(1);
      await call(server.url, "PUT", `/api/v0/webhooks/${hook.id}/`, {
        key: user.session,
        body: { active: true },
      });
      await pass();
      expect(since(from, "/hook/held")).toHaveLength(2);

      await call(server.url, "DELETE", `/api/v0/webhooks/${hook.id}/`, { key: user.session });
      clock += 3600 * SECOND;
      await pass();
      expect(since(from, "/hook/held")).toHaveLength(2);
    } finally {
      receiver.respond = () => 204;
    }
  });
});

describe("a node that delivers on a timer", () => {
  it("sends a test ping at once, without waiting for the next tick", async () => {
    const node = await startTestServer({
      LATCHKEY_WEBHOOK_POLL_SECONDS: "3600",
      LATCHKEY_WEBHOOK_ALLOW_PRIVATE: "true",
    });
    const receiver = await startReceiver();
    try {
      const user = await signUpAndLogIn(node.url);
      const hook = await call<{ id: number }>(node.url, "POST", "/api/v0/webhooks/", {
        key: user.session,
        body: { url: receiver.url },
      });
      await call(node.url, "POST", `/api/v0/webhooks/${hook.body.id}/test/`, { key: user.session });
      const [ping] = await receiver.waitFor(1);
      expect(ping && JSON.parse(ping.body).type).toBe("ping");
    } finally {
      await receiver.close();
      await node.close();
    }
  });
});
