import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import { sendWebhook } from "./sendWebhook.js";
import { startReceiver } from "./testReceiver.js";
import { guardedLookup, isPrivateAddress, parseWebhookUrl } from "./webhookTargets.js";

describe("webhook targets", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.8.9.10", true],
    ["10.0.0.1", true],
    ["172.16.5.4", true],
    ["172.32.0.1", false],
    ["192.168.0.10", true],
    ["169.254.169.254", true],
    ["100.64.0.1", true],
    ["0.0.0.0", true],
    ["224.0.0.1", true],
    ["255.255.255.255", true],
    ["::1", true],
    ["::", true],
    ["fe80::1", true],
    ["fd12:3456::1", true],
    ["::ffff:127.0.0.1", true],
    ["::ffff:10.1.1.1", true],
    ["8.8.8.8", false],
    ["93.184.216.34", false],
    ["2606:4700::1111", false],
    ["::ffff:8.8.8.8", false],
  ])("%s is private: %s", (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  it("normalises an accepted URL and allows private hosts only when told", () => {
    expect(parseWebhookUrl("https://Hooks.Example.com:443/a?b=c", false)).toEqual({
      ok: true,
      value: "https://hooks.example.com/a?b=c",
    });
    expect(parseWebhookUrl("http://127.0.0.1:8080/hook", true).ok).toBe(true);
    expect(parseWebhookUrl("http://127.0.0.1:8080/hook", false).ok).toBe(false);
  });

  it("refuses at connection time a name that resolves to a private address", async () => {
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      guardedLookup("localhost", {}, (err) => resolve(err)),
    );
    expect(error?.code).toBe("EPRIVATE");
    expect(error?.message).toContain("LATCHKEY_WEBHOOK_ALLOW_PRIVATE");
  });
});

describe("sendWebhook", () => {
  const options = (overrides: Partial<Parameters<typeof sendWebhook>[3]> = {}) => ({
    timeoutMs: 5000,
    allowPrivate: true,
    signal: new AbortController().signal,
    ...overrides,
  });

  it("POSTs the body with the given headers and reports the status", async () => {
    const receiver = await startReceiver(() => 202);
    try {
      const result = await sendWebhook(receiver.url, '{"a":1}', { "x-extra": "yes" }, options());
      expect(result).toEqual({ kind: "answered", statusCode: 202 });
      expect(receiver.received[0]).toMatchObject({ method: "POST", url: "/hook", body: '{"a":1}' });
      expect(receiver.received[0]?.headers).toMatchObject({
        "x-extra": "yes",
        "content-type": "application/json",
        "user-agent": "Latchkey-Webhooks/1",
      });
    } finally {
      await receiver.close();
    }
  });

  it("never connects to a private address unless allowed", async () => {
    const receiver = await startReceiver();
    try {
      const literal = await sendWebhook(receiver.url, "{}", {}, options({ allowPrivate: false }));
      expect(literal.kind).toBe("failed");
      const byName = await sendWebhook(
        receiver.url.replace("127.0.0.1", "localhost"),
        "{}",
        {},
        options({ allowPrivate: false }),
      );
      expect(byName).toMatchObject({ kind: "failed" });
      expect(byName.kind === "failed" && byName.error).toContain("private");
      expect(receiver.received).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it("gives up on a receiver that does not answer in time, and stops when aborted", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/`;
    try {
      const timedOut = await sendWebhook(url, "{}", {}, options({ timeoutMs: 200 }));
      expect(timedOut).toEqual({ kind: "failed", error: "no answer within 0.2 s" });
      const controller = new AbortController();
      const pending = sendWebhook(url, "{}", {}, options({ signal: controller.signal }));
      controller.abort();
      expect(await pending).toEqual({ kind: "aborted" });
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});
