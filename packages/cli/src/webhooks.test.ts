import { verifyWebhookSignature } from "@latchkey/sdk";
import { createKey, startReceiver, type TestReceiver } from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseJson, runCli } from "./testing/cliProcess.js";
import { cliTestServer } from "./testing/cliTestServer.js";

/** The webhook commands through the real CLI process, against a real server and receiver. */

interface Hook {
  id: number;
  url: string;
  events: string[] | null;
  secret: string;
}

interface Delivery {
  id: number;
  event_id: string;
  event_type: string;
  status: string;
  redelivery_of: number | null;
}

const t = cliTestServer({
  LATCHKEY_WEBHOOK_POLL_SECONDS: "0",
  LATCHKEY_WEBHOOK_ALLOW_PRIVATE: "true",
});
let receiver: TestReceiver;
let apiKey: string;
const cli = (args: string[]) => t.cli(args, { env: { LATCHKEY_API_KEY: apiKey } });
const pass = () => t.server.deps.webhookDispatcher.runOnce();

beforeAll(async () => {
  receiver = await startReceiver();
  apiKey = (await createKey(t.server.url, t.account.session, { name: "cli" })).key;
});
afterAll(async () => {
  await receiver.close();
});

describe("latchkey webhook commands", () => {
  let hook: Hook;

  it("create webhook prints the signing secret once, with a warning", async () => {
    // --endpoint is the receiver; the global --url still names the server, here after the words.
    const result = await runCli(
      ["create", "webhook", "--endpoint", `${receiver.url}/cli`, "--url", t.server.url],
      { env: { ...t.home.env, LATCHKEY_API_KEY: apiKey } },
    );
    expect(result.code, result.stderr).toBe(0);
    const secret = /whsec_[A-Za-z0-9_-]{43}/.exec(result.stdout)?.[0];
    expect(secret).toBeDefined();
    expect(result.stdout).toContain("only time the secret is shown");
    expect(result.stdout).toContain("all key events");
  });

  it("create webhook --events --raw answers the server's JSON; unknown events are a usage error", async () => {
    const result = await cli([
      "create",
      "webhook",
      "--endpoint",
      `${receiver.url}/cli`,
      "--events",
      "key.created, key.deleted",
      "--description",
      "from the CLI",
      "--raw",
    ]);
    expect(result.code, result.stderr).toBe(0);
    hook = parseJson<Hook>(result);
    expect(hook).toMatchObject({
      url: `${receiver.url}/cli`,
      events: ["key.created", "key.deleted"],
    });
    expect(hook.secret).toMatch(/^whsec_/);

    const typo = await cli([
      "create",
      "webhook",
      "--endpoint",
      receiver.url,
      "--events",
      "key.made",
    ]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("unknown event 'key.made'");
    expect(typo.stderr).toContain("key.leaked");
    const refused = await cli(["create", "webhook", "--endpoint", "ftp://example.com/"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("url: must be http or https");
  });

  it("show webhooks lists them, as a table or as JSON", async () => {
    const table = await cli(["show", "webhooks"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/ID +URL +EVENTS +ACTIVE +CREATED/);
    expect(table.stdout).toContain("key.created, key.deleted");
    expect(table.stdout).not.toContain(hook.secret);
    const raw = parseJson<{ webhooks: Hook[] }>(await cli(["show", "webhooks", "--raw"]));
    expect(raw.webhooks.map((h) => h.id)).toContain(hook.id);
  });

  it("test webhook sends a signed ping, and show webhook lists the delivery", async () => {
    const result = await cli(["test", "webhook", String(hook.id)]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Queued delivery`);
    await pass();
    const [request] = await receiver.waitFor(1);
    expect(JSON.parse(request?.body ?? "{}").type).toBe("ping");
    expect(
      await verifyWebhookSignature({
        payload: request?.body ?? "",
        header: String(request?.headers["latchkey-signature"]),
        secret: hook.secret,
      }),
    ).toBe(true);

    const shown = await cli(["show", "webhook", String(hook.id)]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain("from the CLI");
    expect(shown.stdout).toContain(`whsec_…${hook.secret.slice(-4)}`);
    expect(shown.stdout).not.toContain(hook.secret);
    expect(shown.stdout).toMatch(/ping +delivered +1\/9 +HTTP 204/);
  });

  it("redeliver webhook sends the same event again; unknown ids exit 4", async () => {
    const shown = parseJson<Hook & { deliveries: Delivery[] }>(
      await cli(["show", "webhook", String(hook.id), "--raw"]),
    );
    const [ping] = shown.deliveries;
    if (!ping) throw new Error("no delivery");
    const again = await cli(["redeliver", "webhook", String(hook.id), String(ping.id), "--raw"]);
    expect(again.code, again.stderr).toBe(0);
    expect(parseJson<Delivery>(again)).toMatchObject({
      redelivery_of: ping.id,
      event_id: ping.event_id,
    });
    await pass();
    const [, second] = await receiver.waitFor(2);
    expect(second?.headers["latchkey-event-id"]).toBe(ping.event_id);

    const missing = await cli(["redeliver", "webhook", String(hook.id), "999999"]);
    expect(missing.code).toBe(4);
    expect((await cli(["show", "webhook", "999999"])).code).toBe(4);
    expect((await cli(["redeliver", "webhook", String(hook.id), "x"])).code).toBe(2);
  });

  it("delete webhook refuses without --yes off a terminal, then deletes with it", async () => {
    const refused = await cli(["delete", "webhook", String(hook.id)]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--yes");
    const deleted = await cli(["delete", "webhook", String(hook.id), "--yes"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`Deleted webhook ${hook.id}`);
    expect((await cli(["show", "webhook", String(hook.id)])).code).toBe(4);
  });

  it.each([
    "create webhook",
    "show webhooks",
    "show webhook",
    "delete webhook",
    "redeliver webhook",
    "test webhook",
  ])("%s --help shows usage and examples", async (command) => {
    const result = await runCli([...command.split(" "), "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: latchkey ${command}`);
    expect(result.stdout).toMatch(/Examples:\n(\s+# .+\n\s+\$ latchkey .+\n?)+/);
  });
});
