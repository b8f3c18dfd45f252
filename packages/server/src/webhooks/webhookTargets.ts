import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";
import { fail, ok, type Result } from "../services/result.js";

export const MAX_URL_LENGTH = 2048;

/**
 * Addresses a webhook may not reach unless the operator allows it: loopback, private,
 * carrier-grade NAT, link-local (cloud metadata services live there), multicast and reserved
 * ranges. Otherwise any account could make the server call into its own network (SSRF).
 */
const privateRanges = (() => {
  const list = new BlockList();
  for (const [net, bits] of [
    ["0.0.0.0", 8],
    ["10.0.0.0", 8],
    ["100.64.0.0", 10],
    ["127.0.0.0", 8],
    ["169.254.0.0", 16],
    ["172.16.0.0", 12],
    ["192.0.0.0", 24],
    ["192.168.0.0", 16],
    ["198.18.0.0", 15],
    ["224.0.0.0", 3],
  ] as const) {
    list.addSubnet(net, bits, "ipv4");
  }
  for (const [net, bits] of [
    ["::", 127],
    ["fc00::", 7],
    ["fe80::", 10],
    ["ff00::", 8],
    ["64:ff9b::", 96],
  ] as const) {
    list.addSubnet(net, bits, "ipv6");
  }
  return list;
})();

/** True for an address a webhook may not reach by default (IPv4-mapped IPv6 included). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const plain = mapped ?? address;
  const family = isIP(plain);
  if (family === 0) return true;
  return privateRanges.check(plain, family === 4 ? "ipv4" : "ipv6");
}

/** The host of a URL as an IP literal (brackets of IPv6 removed), or undefined for a name. */
function literalAddress(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return isIP(host) === 0 ? undefined : host;
}

export class PrivateTargetError extends Error {
  readonly code = "EPRIVATE";
}

const refusal = (host: string, address: string) =>
  `${host} is ${address}, a loopback, private or link-local address; this server sends webhooks there only with LATCHKEY_WEBHOOK_ALLOW_PRIVATE=true`;

/**
 * Checks a webhook URL: http or https, no credentials, no fragment, at most 2048 characters,
 * and (unless allowed) no private address written as the host. Names are checked again when
 * they are resolved for each attempt, so re-pointing one at a private address does not help.
 */
export function parseWebhookUrl(raw: string, allowPrivate: boolean): Result<string> {
  if (raw.length > MAX_URL_LENGTH) {
    return fail("invalid_request", `url: at most ${MAX_URL_LENGTH} characters (got ${raw.length})`);
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return fail(
      "invalid_request",
      "url: not an absolute URL; e.g. https://example.com/hooks/latchkey",
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return fail(
      "invalid_request",
      `url: must be http or https, not '${url.protocol.slice(0, -1)}'`,
    );
  }
  // Credentials in a URL end up in logs and in every console that shows the endpoint.
  if (url.username !== "" || url.password !== "") {
    return fail(
      "invalid_request",
      "url: must not contain a user name or password; authenticate deliveries by their signature",
    );
  }
  if (url.hash !== "") return fail("invalid_request", "url: must not have a #fragment");
  if (url.hostname === "") return fail("invalid_request", "url: has no host");
  const literal = literalAddress(url);
  if (!allowPrivate) {
    if (literal !== undefined && isPrivateAddress(literal)) {
      return fail("invalid_request", `url: ${refusal(url.hostname, literal)}`);
    }
    if (url.hostname === "localhost" || url.hostname.endsWith(".localhost")) {
      return fail("invalid_request", `url: ${refusal(url.hostname, "loopback")}`);
    }
  }
  return ok(url.href);
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A DNS lookup for http.request that refuses private addresses at connection time, so a name
 * that resolves (or is later re-pointed) to one is never connected to.
 */
export function guardedLookup(
  hostname: string,
  options: { family?: number | string; all?: boolean },
  callback: LookupCallback,
): void {
  const family = options.family === "IPv4" ? 4 : options.family === "IPv6" ? 6 : options.family;
  dnsLookup(
    hostname,
    { all: true, ...(typeof family === "number" ? { family } : {}) },
    (err, addresses) => {
      if (err) return callback(err, []);
      const bad = addresses.find((a) => isPrivateAddress(a.address));
      if (bad) return callback(new PrivateTargetError(refusal(hostname, bad.address)), []);
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new Error(`${hostname} has no address`), []);
      callback(null, first.address, first.family);
    },
  );
}

/** Whether a URL's host is an IP literal this server may not reach. */
export function privateLiteral(url: URL): string | undefined {
  const literal = literalAddress(url);
  return literal !== undefined && isPrivateAddress(literal) ? literal : undefined;
}
