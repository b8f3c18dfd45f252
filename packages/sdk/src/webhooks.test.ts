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
import { Latchkey } from "./latchkey.js";
import { LatchkeyError } from "./latchkeyError.js";
import type { WebhookEvent } from "./types.js";
import { verifyWebhookSignature } from "./verifyWebhookSignature.js";

/** The SDK's webhook methods and verifier against a real server and a real receiver. */

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

const client = (apiKey: string) =>
  new Latchkey({ url: server.url, fetch: server.fetch, env: {}, retries: 0, apiKey });
const pass = () => server.deps.webhookDispatcher.runOnce();
const signatureOf = (request: ReceivedRequest) => String(request.headers["latchkey-signature"]);

describe("webhooks through the SDK", () => {
  it("registers an endpoint whose deliveries the verifier accepts, and refuses when tampered or old", async () => {
    const { session } = await signUpAndLogIn(server.url);
    const sdk = client(session);
    const hook = await sdk.createWebhook({ url: `${receiver.url}/sdk`, events: ["key.created"] });
    expect(hook.secret).toMatch(/^whsec_/);
    const key = await createKey(server.url, session, { name: "watched" });
    await pass();
    const request = receiver.received.find((r) => r.url === "/hook/sdk");
    if (!request) throw new Error("nothing was delivered");

    const input = { payload: request.body, header: signatureOf(request), secret: hook.secret };
    expect(await verifyWebhookSignature(input)).toBe(true);
    const event = JSON.parse(request.body) as WebhookEvent;
    expect(event).toMatchObject({ type: "key.created", data: { key: { id: key.id } } });
    expect(request.headers["latchkey-event-id"]).toBe(event.id);

    const tampered = request.body.replace('"watched"', '"changed"');
    expect(await verifyWebhookSignature({ ...input, payload: tampered })).toBe(false);
    const later = new Date(Date.now() + 10 * 60_000);
    expect(await verifyWebhookSignature({ ...input, now: later })).toBe(false);
    expect(await verifyWebhookSignature({ ...input, secret: "whsec_not-the-secret" })).toBe(false);
  });

  it("lists, shows, changes, tests, redelivers and deletes endpoints", async () => {
    const { session } = await signUpAndLogIn(server.url);
    const sdk = client(session);
    const hook = await sdk.createWebhook({ url: `${receiver.url}/crud`, description: "ops" });
    expect(await sdk.listWebhooks()).toEqual([
      expect.objectContaining({ id: hook.id, description: "ops", events: null }),
    ]);
    const changed = await sdk.updateWebhook(hook.id, { events: ["key.leaked"] });
    expect(changed.events).toEqual(["key.leaked"]);
    expect(await sdk.getWebhook(hook.id)).toEqual(changed);

    const ping = await sdk.testWebhook(hook.id);
    expect(ping).toMatchObject({ event_type: "ping", status: "pending" });
    await pass();
    const [delivered] = await sdk.listWebhookDeliveries(hook.id, { status: "delivered" });
    expect(delivered).toMatchObject({ id: ping.id, attempts: 1, last_status_code: 204 });
    const again = await sdk.redeliverWebhookDelivery(hook.id, ping.id);
    expect(again).toMatchObject({ redelivery_of: ping.id, event_id: ping.event_id });
    await pass();
    const pings = receiver.received.filter((r) => r.url === "/hook/crud");
    expect(pings).toHaveLength(2);
    for (const request of pings) {
      expect(
        await verifyWebhookSignature({
          payload: request.body,
          header: signatureOf(request),
          secret: hook.secret,
        }),
      ).toBe(true);
    }

    expect(await sdk.deleteWebhook(hook.id)).toMatchObject({ success: true });
    const gone = await sdk.getWebhook(hook.id).catch((err: unknown) => err);
    expect(gone).toBeInstanceOf(LatchkeyError);
    expect((gone as LatchkeyError).status).toBe(404);
  });

  it("reports a leak without a credential and gets the same answer either way", async () => {
    const { session } = await signUpAndLogIn(server.url);
    const leaked = await createKey(server.url, session);
    const anonymous = new Latchkey({ url: server.url, fetch: server.fetch, env: {}, retries: 0 });
    const found = await anonymous.reportLeak({ secrets: [leaked.key], url: "https://x.example/1" });
    const nothing = await anonymous.reportLeak({
      secrets: ["lk_nope"],
      url: "https://x.example/2",
    });
    expect(found).toEqual(nothing);
    expect(
      (await call(server.url, "GET", "/api/v0/users/current/", { key: leaked.key })).status,
    ).toBe(401);
  });
});
