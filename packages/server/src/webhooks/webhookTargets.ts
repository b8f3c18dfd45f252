import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP } from "node:net";
import { MAX_WEBHOOK_URL_LENGTH } from "@latchkey/core";
import ipaddr from "ipaddr.js";
import { fail, ok, type Result } from "../http/result.js";

/** Global unicast (RFC 4291 §2.4): every IPv6 address outside it is reserved or special. */
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR("2000::/3");
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR("::/96");
/** The well-known NAT64 prefix (RFC 6052): the last 32 bits are the IPv4 address reached. */
const NAT64 = ipaddr.IPv6.parseCIDR("64:ff9b::/96");
/** IPv4-translated addresses (RFC 6145, `::ffff:0:a.b.c.d`). */
const IPV4_TRANSLATED = ipaddr.IPv6.parseCIDR("::ffff:0:0:0/96");

/**
 * An address as the WHATWG URL parser writes it: dotted IPv4, or IPv6 in hex groups only. A
 * resolver writes `::a.b.c.d` for an IPv4-compatible address, which ipaddr.js would read as
 * IPv4-mapped (`::ffff:a.b.c.d`), a different address; the URL parser reads it right.
 */
function canonicalAddress(address: string): string | undefined {
  const bare = address.replace(/^\[(.*)\]$/, "$1");
  const family = isIP(bare);
  if (family === 4) return bare;
  if (family !== 6) return undefined;
  try {
    return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return undefined; // a zone id (`fe80::1%eth0`): link-local in any case
  }
}

function lastIPv4(address: ipaddr.IPv6): ipaddr.IPv4 {
  const bytes = address.toByteArray();
  return new ipaddr.IPv4(bytes.slice(12));
}

/**
 * Why an address may not receive webhooks by default (the name of its range, as ipaddr.js
 * calls it), or undefined for a public unicast address. IPv6 addresses that carry an IPv4
 * address (IPv4-mapped, IPv4-translated, NAT64) are judged by that address; the deprecated
 * IPv4-compatible ones (`::a.b.c.d`), site-local `fec0::/10`, 6to4, Teredo and everything
 * outside 2000::/3 are refused. Loopback, private, carrier-grade NAT, link-local (cloud
 * metadata services live there), multicast, documentation and reserved ranges are refused,
 * so that no account can make the server call into its own network (SSRF).
 */
export function nonPublicRange(address: string): string | undefined {
  const canonical = canonicalAddress(address);
  if (canonical === undefined) return "not an IP address";
  const parsed = ipaddr.parse(canonical);
  if (parsed.kind() === "ipv4") {
    const range = (parsed as ipaddr.IPv4).range();
    return range === "unicast" ? undefined : range;
  }
  const v6 = parsed as ipaddr.IPv6;
  const embedded = v6.isIPv4MappedAddress()
    ? v6.toIPv4Address()
    : v6.match(IPV4_TRANSLATED) || v6.match(NAT64)
      ? lastIPv4(v6)
      : undefined;
  if (embedded !== undefined) {
    const range = embedded.range();
    return range === "unicast" ? undefined : `${range} (IPv4 ${embedded.toString()} inside)`;
  }
  if (v6.match(IPV4_COMPATIBLE)) return v6.range() === "unicast" ? "ipv4Compatible" : v6.range();
  const range = v6.range();
  if (range !== "unicast") return range;
  return v6.match(GLOBAL_UNICAST) ? undefined : "reserved";
}

/** True for an address a webhook may not reach by default (see nonPublicRange). */
export function isPrivateAddress(address: string): boolean {
  return nonPublicRange(address) !== undefined;
}

/**
 * Names that never lead to the public internet: localhost and its subdomains (RFC 6761),
 * mDNS `.local`, `.internal` and `.home.arpa` (reserved for private use), `.localdomain` (the
 * usual /etc/hosts suffix) and single-label names, which resolvers complete with the local
 * search domains (`http://metadata/`). Checked after the trailing dots are dropped, since
 * `localhost.` is the same name.
 */
const LOCAL_NAME = /(^|\.)(localhost|local|internal|home\.arpa|localdomain)$/;

function isLocalName(hostname: string): boolean {
  const name = hostname.replace(/\.+$/, "");
  return name === "" || !name.includes(".") || LOCAL_NAME.test(name);
}

/** The host of a URL as an IP literal (brackets of IPv6 removed), or undefined for a name. */
function literalAddress(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return isIP(host) === 0 ? undefined : host;
}

export class PrivateTargetError extends Error {
  readonly code = "EPRIVATE";
}

const refusal = (host: string, address: string) => {
  const range = nonPublicRange(address);
  const what = range === undefined ? address : `${address} (${range})`;
  return `${host} is ${what}, not a public unicast address (loopback, private, link-local and reserved ranges are refused); this server sends webhooks there only with LATCHKEY_WEBHOOK_ALLOW_PRIVATE=true`;
};

/**
 * Checks a webhook URL: http or https, no credentials, no fragment, at most 2048 characters,
 * and (unless allowed) no private address written as the host. Names are checked again when
 * they are resolved for each attempt, so re-pointing one at a private address does not help.
 */
export function parseWebhookUrl(raw: string, allowPrivate: boolean): Result<string> {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) {
    return fail(
      "invalid_request",
      `url: at most ${MAX_WEBHOOK_URL_LENGTH} characters (got ${raw.length})`,
    );
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
    if (literal === undefined && isLocalName(url.hostname)) {
      return fail(
        "invalid_request",
        `url: ${url.hostname} is a local or single-label name, not a public one; this server sends webhooks to private names only with LATCHKEY_WEBHOOK_ALLOW_PRIVATE=true`,
      );
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

/**
 * Why a URL's host, when it is an IP literal, may not be reached ("127.0.0.1 (loopback)"), or
 * undefined. Node connects to a literal without a lookup, so guardedLookup never sees it.
 */
export function privateLiteral(url: URL): string | undefined {
  const literal = literalAddress(url);
  const range = literal === undefined ? undefined : nonPublicRange(literal);
  return range === undefined ? undefined : `${literal} (${range})`;
}
