import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isWellFormedKey } from "@latchkey/core";
import {
  call,
  createKey,
  sampleValue,
  scrape,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
} from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifierTimings, worstCaseVerifierWaitMs } from "./verifierHub.js";

/** A verifier's stream read by hand: the events as they come, and no acknowledgement. */
async function openStream(url: string, token: string) {
  const abort = new AbortController();
  const response = await fetch(`${url}/api/v0/verifiers/stream/`, {
    headers: { authorization: `Bearer ${token}` },
    signal: abort.signal,
  });
  const events: { event: string; data: Record<string, unknown> }[] = [];
  let ended = false;
  const waiters: (() => void)[] = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  if (response.ok && response.body) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end = buffer.indexOf("\n\n");
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
            const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "{}");
            events.push({ event, data });
            end = buffer.indexOf("\n\n");
          }
          wake();
        }
      } catch {
        // aborted
      }
      ended = true;
      wake();
    })();
  }
  const next = async (name: string, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = events.find((e) => e.event === name);
      if (found) {
        events.splice(events.indexOf(found), 1);
        return found.data;
      }
      if (ended) throw new Error(`stream ended before ${name}`);
      if (Date.now() > deadline) throw new Error(`no ${name} event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  return {
    response,
    next,
    ended: () => ended,
    close: () => abort.abort(),
  };
}

const LEASE_MS = 1000;
/** What a verifier is granted at a time: the lease less its margin (verifierHub.ts). */
const GRANT_MS = verifierTimings(LEASE_MS, 3000).grantMs;

describe("verifiers on one SQLite node", () => {
  let server: TestServer;
  let session: string;
  beforeAll(async () => {
    server = await startTestServer(
      { LATCHKEY_VERIFIER_LEASE_MS: String(LEASE_MS), LATCHKEY_METRICS_PORT: "0" },
      { listen: true },
    );
    ({ session } = await signUpAndLogIn(server.url));
  });

  /** One metric of this server's scrape (docs/deploy.md): its metrics listener, over HTTP. */
  const metric = async (name: string, labels: Record<string, string> = {}) =>
    sampleValue((await scrape(server.deps.metrics.scrapeUrl() ?? "")).samples, name, labels);
  afterAll(() => server.close());

  const createVerifier = async (credential = session, name = "billing service") => {
    const created = await call<{ id: number; token: string; name: string; prefix: string }>(
      server.url,
      "POST",
      "/api/v0/verifiers/",
      { key: credential, body: { name } },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    return created.body;
  };

  it("makes a token shown once, in the key format with its own prefix, stored only as a digest", async () => {
    const created = await createVerifier();
    expect(created.token).toMatch(/^lkv_/);
    expect(isWellFormedKey(created.token)).toBe(true);
    expect(created.prefix).toBe(created.token.slice(0, 8));
    const listed = await call<{ verifiers: Record<string, unknown>[] }>(
      server.url,
      "GET",
      "/api/v0/verifiers/",
      { key: session },
    );
    expect(listed.status).toBe(200);
    const mine = listed.body.verifiers.find((v) => v.id === created.id);
    expect(mine).toMatchObject({ name: "billing service", connected: false, node: null });
    expect(JSON.stringify(listed.body)).not.toContain(created.token);
    // Only the peppered hash is stored: the secret is in no file of the data directory.
    const stored = await server.deps.store.findKeyByHash(server.deps.peppers.hash(created.token));
    expect(stored?.kind).toBe("verifier");
    expect(stored?.keyHash).not.toBe(created.token);
    for (const file of readdirSync(server.dataDir)) {
      const bytes = readFileSync(join(server.dataDir, file));
      expect(bytes.includes(Buffer.from(created.token)), file).toBe(false);
    }
    // The audit log records the creation without the token.
    const audit = await call(server.url, "GET", "/api/v0/audit_logs/", { key: session });
    expect(JSON.stringify(audit.body)).toContain("verifier.create");
    expect(JSON.stringify(audit.body)).not.toContain(created.token);
  });

  it("refuses bad input and callers without user_write with clear errors", async () => {
    const empty = await call(server.url, "POST", "/api/v0/verifiers/", {
      key: session,
      body: { name: "   " },
    });
    expect(empty.status).toBe(400);
    expect(empty.body.msg).toMatch(/name/);
    const extra = await call(server.url, "POST", "/api/v0/verifiers/", {
      key: session,
      body: { name: "x", secret: "y" },
    });
    expect(extra.status).toBe(400);
    const anonymous = await call(server.url, "POST", "/api/v0/verifiers/", { body: { name: "x" } });
    expect(anonymous.status).toBe(401);
    const reader = await createKey(server.url, session, {
      permissions: { api: { user_read: {} } },
    });
    const refused = await call(server.url, "POST", "/api/v0/verifiers/", {
      key: reader.key,
      body: { name: "x" },
    });
    expect(refused.status).toBe(403);
    expect((await call(server.url, "GET", "/api/v0/verifiers/", { key: reader.key })).status).toBe(
      200,
    );
    const bad = await call(server.url, "DELETE", "/api/v0/verifiers/0/", { key: session });
    expect(bad.status).toBe(400);
  });

  it("keeps accounts apart: another account's verifier is 404 and not listed", async () => {
    const mine = await createVerifier();
    const other = await signUpAndLogIn(server.url);
    const listed = await call<{ verifiers: { id: number }[] }>(
      server.url,
      "GET",
      "/api/v0/verifiers/",
      { key: other.session },
    );
    expect(listed.body.verifiers.map((v) => v.id)).not.toContain(mine.id);
    const deleted = await call(server.url, "DELETE", `/api/v0/verifiers/${mine.id}/`, {
      key: other.session,
    });
    expect(deleted.status).toBe(404);
    // An API key's id is not a verifier's either.
    const key = await createKey(server.url, session);
    expect(
      (await call(server.url, "DELETE", `/api/v0/verifiers/${key.id}/`, { key: session })).status,
    ).toBe(404);
    expect(
      (await call(server.url, "DELETE", `/api/v0/auth/apikeys/${mine.id}/`, { key: session }))
        .status,
    ).toBe(404);
  });

  it("lets a verifier's token open its stream and verify, and nothing else", async () => {
    const { token } = await createVerifier();
    for (const [method, path, body] of [
      ["GET", "/api/v0/users/current/", undefined],
      ["GET", "/api/v0/auth/apikeys/", undefined],
      ["POST", "/api/v0/auth/apikeys/", { name: "escalation" }],
      ["GET", "/api/v0/verifiers/", undefined],
      ["POST", "/api/v0/verifiers/", { name: "another" }],
      ["POST", "/api/v0/auth/logout/", undefined],
    ] as const) {
      const answer = await call(server.url, method, path, { key: token, body });
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(answer.body.msg).toMatch(/verifier's token can only/);
    }
    // As a key to verify, it is no key at all.
    const verdict = await call(server.url, "POST", "/api/v0/auth/verify/", {
      body: { key: token },
    });
    expect(verdict.body).toMatchObject({ valid: false, code: "NOT_FOUND" });
    // And an API key or a session cannot open a stream or ask the verifier's routes.
    const key = await createKey(server.url, session);
    for (const credential of [key.key, session]) {
      const stream = await call(server.url, "GET", "/api/v0/verifiers/stream/", {
        key: credential,
      });
      expect(stream.status).toBe(403);
      expect(stream.body.msg).toMatch(/verifier's token/);
      const ack = await call(server.url, "POST", "/api/v0/verifiers/ack/", {
        key: credential,
        body: { connection: "x", seq: 0 },
      });
      expect(ack.status).toBe(403);
      const asked = await call(server.url, "POST", "/api/v0/verifiers/verify/", {
        key: credential,
        body: { key: key.key },
      });
      expect(asked.status).toBe(403);
    }
    expect((await call(server.url, "GET", "/api/v0/verifiers/stream/")).status).toBe(401);
  });

  it("streams invalidations, grants leases on acknowledgement, and waits for them before a delete answers", async () => {
    const { id: verifierId, token } = await createVerifier();
    const stream = await openStream(server.url, token);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const hello = await stream.next("hello");
    expect(hello).toMatchObject({ seq: 0, lease_ms: GRANT_MS });
    const connection = String(hello.connection);

    const key = await createKey(server.url, session);
    const verdict = await call(server.url, "POST", "/api/v0/verifiers/verify/", {
      key: token,
      body: { key: key.key, category: "user_read" },
    });
    expect(verdict.body).toMatchObject({ valid: true, key_id: key.id, valid_until: null });

    const listed = await call<{ verifiers: Record<string, unknown>[] }>(
      server.url,
      "GET",
      "/api/v0/verifiers/",
      { key: session },
    );
    expect(listed.body.verifiers.find((v) => v.id === verifierId)).toMatchObject({
      connected: true,
      node: server.deps.verifiers.hub.nodeId,
    });

    // The delete waits for the acknowledgement: answer it, then the delete returns.
    const started = Date.now();
    const deleting = call(server.url, "DELETE", `/api/v0/auth/apikeys/${key.id}/`, {
      key: session,
    });
    const invalidation = await stream.next("invalidate");
    expect(invalidation).toMatchObject({ seq: 1, key_ids: [key.id] });
    let answered = false;
    void deleting.then(() => {
      answered = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(answered, "the delete answered before the verifier acknowledged").toBe(false);
    const acksBefore = await metric("latchkey_verifier_ack_seconds_count");
    const grant = await call(server.url, "POST", "/api/v0/verifiers/ack/", {
      key: token,
      body: { connection, seq: 1 },
    });
    expect(grant.body).toMatchObject({ lease_ms: GRANT_MS, seq: 1 });
    expect((await deleting).status).toBe(200);
    // The acknowledgement is timed in the metrics, and nothing there names the verifier.
    expect(await metric("latchkey_verifier_ack_seconds_count")).toBe(acksBefore + 1);
    const text = (await scrape(server.deps.metrics.scrapeUrl() ?? "")).text;
    expect(text).not.toContain(token);
    expect(text).not.toContain(connection);
    expect(Date.now() - started).toBeLessThan(verifierTimings(LEASE_MS, 3000).ackTimeoutMs);

    // A connection that is not this verifier's is unknown.
    const other = await createVerifier();
    const foreign = await call(server.url, "POST", "/api/v0/verifiers/ack/", {
      key: other.token,
      body: { connection, seq: 1 },
    });
    expect(foreign.status).toBe(404);
    stream.close();
  });

  it("cuts off a verifier that never acknowledges: the delete waits at most its lease bound", async () => {
    const { token } = await createVerifier();
    const lostBefore = await metric("latchkey_verifier_leases_lost_total", {
      reason: "ack_timeout",
    });
    const connecting = performance.now();
    const stream = await openStream(server.url, token);
    await stream.next("hello");
    const key = await createKey(server.url, session);
    const timings = verifierTimings(LEASE_MS, 3000);
    const started = performance.now();
    const deleted = await call(server.url, "DELETE", `/api/v0/auth/apikeys/${key.id}/`, {
      key: session,
    });
    const tookMs = performance.now() - started;
    expect(deleted.status).toBe(200);
    // It waited (the acknowledgement never came), and no longer than the documented bound.
    expect(tookMs).toBeGreaterThanOrEqual(timings.ackTimeoutMs);
    // Until the lease granted at the hello had certainly run out.
    expect(performance.now() - connecting).toBeGreaterThanOrEqual(LEASE_MS);
    expect(worstCaseVerifierWaitMs(timings)).toBe(LEASE_MS);
    expect(tookMs).toBeLessThanOrEqual(LEASE_MS + 500);
    await stream.next("cut");
    await expect.poll(() => stream.ended()).toBe(true);
    expect(await metric("latchkey_verifier_leases_lost_total", { reason: "ack_timeout" })).toBe(
      lostBefore + 1,
    );
  });

  it("gives a verifier that renews but never applies an invalidation no lease past it", async () => {
    const { token } = await createVerifier();
    const stream = await openStream(server.url, token);
    const hello = await stream.next("hello");
    const connection = String(hello.connection);
    // It renews as often as it likes, acknowledging only what came before the invalidation.
    let renewing = true;
    const grants: { leaseMs: number; sentAt: number }[] = [];
    const renewals = (async () => {
      while (renewing) {
        const sentAt = performance.now();
        const renewed = await call<{ lease_ms: number }>(
          server.url,
          "POST",
          "/api/v0/verifiers/ack/",
          { key: token, body: { connection, seq: 0 } },
        );
        if (renewed.status === 200) grants.push({ leaseMs: renewed.body.lease_ms, sentAt });
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    // Long enough for renewals alone to have pushed a lease past any fixed bound.
    await new Promise((r) => setTimeout(r, LEASE_MS / 2));
    const key = await createKey(server.url, session);
    const started = performance.now();
    const deleting = call(server.url, "DELETE", `/api/v0/auth/apikeys/${key.id}/`, {
      key: session,
    });
    await stream.next("invalidate");
    // The server sent it before this moment (the server runs in this process: one clock).
    const invalidatedBy = performance.now();
    const deleted = await deleting;
    const tookMs = performance.now() - started;
    renewing = false;
    await renewals;
    expect(deleted.status).toBe(200);
    // No grant, counted from its own request, reached past a lease after the invalidation
    // (renewals before it included), and every one ended before the delete answered.
    expect(grants.length).toBeGreaterThan(3);
    for (const g of grants) {
      expect(g.sentAt + g.leaseMs).toBeLessThanOrEqual(invalidatedBy + LEASE_MS);
      expect(g.sentAt + g.leaseMs).toBeLessThanOrEqual(started + tookMs);
    }
    expect(tookMs).toBeLessThanOrEqual(LEASE_MS + 500);
    stream.close();
  });

  it("waits out the lease of a stream that went away, unless its verifier released it", async () => {
    const { token } = await createVerifier();
    const connecting = performance.now();
    const stream = await openStream(server.url, token);
    const hello = await stream.next("hello");
    // Gone without a word: it may still answer from its cache until its lease runs out.
    stream.close();
    await expect.poll(() => server.deps.verifiers.hub.connected).toBe(0);
    const key = await createKey(server.url, session);
    const deleted = await call(server.url, "DELETE", `/api/v0/auth/apikeys/${key.id}/`, {
      key: session,
    });
    expect(deleted.status).toBe(200);
    expect(performance.now() - connecting).toBeGreaterThanOrEqual(LEASE_MS);

    // A verifier that says it closed (release) is not waited for.
    const released = await openStream(server.url, token);
    const second = await released.next("hello");
    const bye = await call(server.url, "POST", "/api/v0/verifiers/ack/", {
      key: token,
      body: { connection: second.connection, seq: 0, release: true },
    });
    expect(bye.body).toMatchObject({ lease_ms: 0 });
    await expect.poll(() => released.ended()).toBe(true);
    const other = await createKey(server.url, session);
    const started = performance.now();
    await call(server.url, "DELETE", `/api/v0/auth/apikeys/${other.id}/`, { key: session });
    expect(performance.now() - started).toBeLessThan(LEASE_MS / 2);
    // Another verifier's token cannot release a stream it does not own.
    const third = await openStream(server.url, token);
    const theirs = await third.next("hello");
    const stranger = await createVerifier();
    const refused = await call(server.url, "POST", "/api/v0/verifiers/ack/", {
      key: stranger.token,
      body: { connection: theirs.connection, seq: 0, release: true },
    });
    expect(refused.status).toBe(404);
    expect(third.ended()).toBe(false);
    expect(hello.connection).not.toBe(theirs.connection);
    third.close();
  });

  it("ends the streams of a deleted verifier and refuses its token from then on", async () => {
    const { id, token } = await createVerifier();
    const stream = await openStream(server.url, token);
    await stream.next("hello");
    const deleted = await call(server.url, "DELETE", `/api/v0/verifiers/${id}/`, { key: session });
    expect(deleted.status).toBe(200);
    await expect.poll(() => stream.ended()).toBe(true);
    const again = await call(server.url, "GET", "/api/v0/verifiers/stream/", { key: token });
    expect(again.status).toBe(401);
    const listed = await call<{ verifiers: { id: number }[] }>(
      server.url,
      "GET",
      "/api/v0/verifiers/",
      { key: session },
    );
    expect(listed.body.verifiers.map((v) => v.id)).not.toContain(id);
  });
});
