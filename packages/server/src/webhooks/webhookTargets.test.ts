import { createServer } from "node:http";
import { startReceiver } from "@latchkey/testkit";
import { describe, expect, it } from "vitest";
import { sendWebhook } from "./sendWebhook.js";
import {
  guardedLookup,
  isPrivateAddress,
  nonPublicRange,
  parseWebhookUrl,
} from "./webhookTargets.js";

/** The error guardedLookup reports for a host, or null when it lets the host through. */
const lookupError = (host: string) =>
  new Promise<NodeJS.ErrnoException | null>((resolve) =>
    guardedLookup(host, {}, (err) => resolve(err)),
  );

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
    // Issue 14.11, as a resolver would return them, and their neighbours.
    ["::7f00:1", true],
    ["::127.0.0.1", true],
    ["::8.8.8.8", true],
    ["::ffff:0:7f00:1", true],
    ["::ffff:0:808:808", false],
    ["fec0::1", true],
    ["feff:ffff::1", true],
    ["64:ff9b::7f00:1", true],
    ["64:ff9b::a9fe:a9fe", true],
    ["64:ff9b::808:808", false],
    ["64:ff9b:1::1", true],
    ["2002:7f00:1::1", true],
    ["2001::1", true],
    ["2001:db8::1", true],
    ["100::1", true],
    ["5f00::1", true],
    ["4000::1", true],
    ["ff02::1", true],
    ["192.0.2.1", true],
    ["198.51.100.7", true],
    ["203.0.113.9", true],
    ["198.18.0.1", true],
    ["240.0.0.1", true],
    ["192.88.99.1", true],
    ["1.1.1.1", false],
    ["2a00:1450:4001::200e", false],
    ["not an address", true],
  ])("%s is private: %s", (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  it.each([
    // Issue 14.11: these four passed registration.
    "http://localhost./",
    "http://[::127.0.0.1]/",
    "http://[::ffff:0:7f00:1]/",
    "http://[fec0::1]/",
    // Other spellings of loopback, unspecified and the metadata service.
    "http://LOCALHOST/",
    "http://localhost../",
    "http://api.localhost/",
    "http://127.1/",
    "http://127.0.0.1./",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0x7f.0.0.1/",
    "http://0177.0.0.1/",
    "http://0/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://[::1]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[64:ff9b::127.0.0.1]/",
    "http://[64:ff9b::169.254.169.254]/",
    "http://169.254.169.254/latest/meta-data",
    "http://[fe80::1]/",
    "http://[fe80::a9fe:a9fe]/",
    // Private, shared, site-local and unique-local ranges.
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://[fec0:1::1]/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[::10.0.0.1]/",
    // Multicast, broadcast, documentation, benchmarking, reserved and transition ranges.
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://255.255.255.255/",
    "http://240.0.0.1/",
    "http://192.0.0.1/",
    "http://192.0.2.10/",
    "http://198.18.0.1/",
    "http://[ff02::1]/",
    "http://[2001:db8::1]/",
    "http://[2002:a00:1::1]/",
    "http://[2001::1]/",
    "http://[100::1]/",
    "http://[64:ff9b:1::a00:1]/",
    // Names that only a local resolver answers.
    "http://metadata/",
    "http://metadata.google.internal/",
    "http://printer.local/",
    "http://router.home.arpa/",
    "http://box.localdomain/",
  ])("refuses %s at registration", (url) => {
    const parsed = parseWebhookUrl(url, false);
    expect(parsed.ok, url).toBe(false);
    expect(parsed.ok ? "" : parsed.error.message).toContain("LATCHKEY_WEBHOOK_ALLOW_PRIVATE");
    // The operator may allow every one of them.
    expect(parseWebhookUrl(url, true).ok, url).toBe(true);
  });

  it.each([
    "https://hooks.example.com/latchkey",
    "https://hooks.example.com./latchkey",
    "https://8.8.8.8/hook",
    "https://1.1.1.1:8443/hook",
    "https://172.32.0.1/hook",
    "https://[2606:4700:4700::1111]/hook",
    "https://[::ffff:8.8.8.8]/hook",
    "https://[64:ff9b::8.8.8.8]/hook",
  ])("accepts the public target %s", (url) => {
    expect(parseWebhookUrl(url, false).ok, url).toBe(true);
  });

  it("names the range it refuses", () => {
    expect(nonPublicRange("fec0::1")).toBe("deprecatedSiteLocal");
    expect(nonPublicRange("::7f00:1")).toBe("ipv4Compatible");
    expect(nonPublicRange("::ffff:0:7f00:1")).toBe("loopback (IPv4 127.0.0.1 inside)");
    const refused = parseWebhookUrl("http://[::ffff:0:7f00:1]/", false);
    expect(refused.ok ? "" : refused.error.message).toContain("loopback (IPv4 127.0.0.1 inside)");
  });

  it("judges resolved addresses at delivery with the same classifier", async () => {
    // A lookup of an address answers with the address itself: no DNS traffic is needed.
    for (const host of ["::ffff:0:7f00:1", "::7f00:1", "fec0::1", "64:ff9b::7f00:1", "10.0.0.1"]) {
      const error = await lookupError(host);
      expect(error?.code, host).toBe("EPRIVATE");
    }
    for (const host of ["8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"]) {
      expect(await lookupError(host), host).toBeNull();
    }
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
