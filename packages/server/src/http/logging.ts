import { isIP } from "node:net";
import { isWellFormedKey, redactKey, redactKeys } from "@latchkey/core";
import type { FastifyRequest } from "fastify";
import {
  type DestinationStream,
  type Logger,
  type LoggerOptions,
  pino,
  stdSerializers,
} from "pino";
import { WEBHOOK_SECRET_PREFIX } from "../webhooks/webhookSecrets.js";

const REDACTED = "[redacted]";

/** Object ids, the only values of our paths that are not the API's own words. */
const ID = /^\d{1,19}$/;

/**
 * What a log line may show of a request URL: only what the API itself defines. A path keeps
 * the literal segments of the served routes and numeric ids; any other segment (where a key,
 * a password or anything else sent by mistake would be) is `[redacted]`, or `prefix_…last4`
 * when it is a well-formed key. A query keeps the names of the parameters the routes declare
 * and no value at all.
 */
export class UrlRedactor {
  private readonly segments = new Set<string>();
  // api_key is refused (400), and worth recognising in the log when a client sends it.
  private readonly queryNames = new Set<string>(["api_key"]);

  /** Learns a route's literal segments and query parameters (from an onRoute hook). */
  learn(route: { url: string; schema?: { querystring?: unknown } }): void {
    for (const segment of route.url.split("/")) {
      if (segment !== "" && !segment.includes(":") && !segment.includes("*"))
        this.segments.add(segment);
    }
    const properties = (route.schema?.querystring as { properties?: object } | undefined)
      ?.properties;
    for (const name of Object.keys(properties ?? {})) this.queryNames.add(name);
  }

  redact(url: string): string {
    const q = url.indexOf("?");
    const path = (q < 0 ? url : url.slice(0, q))
      .split("/")
      .map((segment) => {
        if (segment === "" || this.segments.has(segment) || ID.test(segment)) return segment;
        return isWellFormedKey(segment) ? redactKey(segment) : REDACTED;
      })
      .join("/");
    if (q < 0) return path;
    const params = url
      .slice(q + 1)
      .split("&")
      .filter((part) => part !== "")
      .map((part) => {
        const eq = part.indexOf("=");
        const name = eq < 0 ? part : part.slice(0, eq);
        const shown = this.queryNames.has(name) ? name : REDACTED;
        return eq < 0 ? shown : `${shown}=${REDACTED}`;
      });
    return `${path}?${params.join("&")}`;
  }
}

/** What a request log line holds: never headers (Authorization, Cookie) or bodies. */
export function requestSerializer(request: FastifyRequest, urls: UrlRedactor) {
  return {
    method: request.method,
    url: urls.redact(request.url),
    // From X-Forwarded-For when a proxy is trusted, so not necessarily an address.
    remoteAddress: isIP(request.ip) === 0 ? REDACTED : request.ip,
  };
}

/**
 * Properties of errors that carry what a client sent: Node's parse errors keep the raw
 * request (`rawPacket`, Authorization header included), HTTP client errors keep headers and
 * bodies. They are dropped from every logged error and its causes.
 */
const REQUEST_PARTS = ["rawPacket", "headers", "body"];

export function errorSerializer(err: Error): unknown {
  const serialized = stdSerializers.err(err) as unknown as Record<string, unknown>;
  const scrub = (value: unknown, depth: number) => {
    if (value === null || typeof value !== "object" || depth > 8) return;
    const record = value as Record<string, unknown>;
    for (const part of REQUEST_PARTS) delete record[part];
    scrub(record.cause, depth + 1);
  };
  scrub(serialized, 0);
  return serialized;
}

const WEBHOOK_SECRET = new RegExp(`${WEBHOOK_SECRET_PREFIX}[A-Za-z0-9_-]{43}`, "g");

/**
 * The last line of defence, applied to every line as it is written: any well-formed key
 * (checksum checked, of any prefix, even glued to other characters) and any webhook signing
 * secret becomes `prefix_…last4`, wherever in the line it is.
 */
export function redactSecrets(line: string): string {
  return redactKeys(line).replace(
    WEBHOOK_SECRET,
    (secret) => `${WEBHOOK_SECRET_PREFIX}…${secret.slice(-4)}`,
  );
}

export type LogLevel = NonNullable<LoggerOptions["level"]>;

/** The server's logger: errors serialized without request parts, every line redacted. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    serializers: { err: errorSerializer },
    hooks: { streamWrite: redactSecrets },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
