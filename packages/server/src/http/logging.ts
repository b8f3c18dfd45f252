import { createRequire } from "node:module";
import { isIP } from "node:net";
import { isWellFormedKey, redactKey, redactKeys } from "@latchkey/core";
import type { FastifyInstance, FastifyRequest } from "fastify";
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
 * What any key or webhook secret holds (an underscore and 43 characters of either's alphabet
 * after it): a line without it holds neither, and is passed on after this one search.
 */
const SECRET_HINT = /_[0-9A-Za-z_-]{43}/;

/**
 * The last line of defence, applied to every line as it is written: any well-formed key
 * (checksum checked, of any prefix, even glued to other characters) and any webhook signing
 * secret becomes `prefix_…last4`, wherever in the line it is.
 */
export function redactSecrets(line: string): string {
  if (!SECRET_HINT.test(line)) return line;
  return redactKeys(line).replace(
    WEBHOOK_SECRET,
    (secret) => `${WEBHOOK_SECRET_PREFIX}…${secret.slice(-4)}`,
  );
}

export type LogLevel = NonNullable<LoggerOptions["level"]>;

/** `auto`: human-readable lines when the output is a terminal, JSON otherwise. */
export type LogFormat = "auto" | "json" | "pretty";

/** The message of the one line each request gets. */
export const REQUEST_LINE = "request completed";

interface LoggedLine {
  msg?: string;
  reqId?: string;
  req?: { method?: string; url?: string };
  route?: string;
  res?: { statusCode?: number };
  responseTime?: number;
  keyId?: number;
}

/**
 * A line for people: `GET /api/v0/auth/apikeys/:id/ 200 1.3 ms key 12 [req 9c1f…]`, the
 * route's pattern rather than its URL. Fields it shows are left out of the rest of the line.
 */
function humanMessage(log: LoggedLine): string {
  const reqId = log.reqId === undefined ? "" : ` [req ${log.reqId}]`;
  if (log.msg !== REQUEST_LINE) return `${log.msg ?? ""}${reqId}`;
  const time = typeof log.responseTime === "number" ? ` ${log.responseTime.toFixed(1)} ms` : "";
  const key = log.keyId === undefined ? "" : ` key ${log.keyId}`;
  return `${log.req?.method ?? "?"} ${log.route ?? log.req?.url ?? "?"} ${log.res?.statusCode ?? "?"}${time}${key}${reqId}`;
}

/** pino-pretty, loaded (synchronously: it is CommonJS) only when lines are written for a person. */
const loadPretty = (): typeof import("pino-pretty") =>
  createRequire(import.meta.url)("pino-pretty");

/** Writes pino's JSON lines as one readable line each (errors keep their stack below). */
function prettyDestination(out: DestinationStream, colour: boolean): DestinationStream {
  const pretty = loadPretty().prettyFactory({
    colorize: colour,
    translateTime: "SYS:HH:MM:ss.l",
    singleLine: true,
    // Shown in the message (a request's fields, the start-up line's), so not again after it.
    ignore:
      "pid,hostname,reqId,req,res,route,responseTime,keyId,port,host,storage,api,console,data,metrics",
    messageFormat: (log) => humanMessage(log as LoggedLine),
  });
  return { write: (line: string) => out.write(pretty(line)) };
}

function colourWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.stdout.isTTY === true && env.NO_COLOR === undefined && env.TERM !== "dumb";
}

/**
 * Hands each line to the destination as bytes. Given strings, it appends each line to the
 * string it is gathering for its next write and measures that string's byte length again,
 * which copies it whole: under load about 2 µs a line, more than making the line. Given
 * buffers it keeps a list and joins it once per write.
 */
function asBuffers(destination: ReturnType<typeof pino.destination>): DestinationStream {
  // Its type knows only strings; in buffer mode it takes (only) buffers.
  const write = destination.write.bind(destination) as unknown as (bytes: Buffer) => boolean;
  return { write: (line: string) => void write(Buffer.from(line)) };
}

/**
 * The server's logger: errors serialized without request parts, every line redacted (before
 * it is formatted, so both formats get the redacted line). On stdout by default, as
 * human-readable lines on a terminal and JSON otherwise (`format` "auto"); a given
 * `destination` gets JSON unless `format` is "pretty".
 */
export function createLogger(
  level: LogLevel,
  destination?: DestinationStream,
  format: LogFormat = "auto",
): Logger {
  const options: LoggerOptions = {
    level,
    serializers: { err: errorSerializer },
    hooks: { streamWrite: redactSecrets },
  };
  const pretty =
    format === "pretty" || (format === "auto" && destination === undefined && process.stdout.isTTY);
  if (pretty) {
    const out = destination ?? process.stdout;
    return pino(options, prettyDestination(out, destination === undefined && colourWanted()));
  }
  if (destination !== undefined) return pino(options, destination);
  // Written asynchronously: a request's line never blocks the event loop on a slow pipe or
  // disk. Lines logged while a write is in flight go out together in the next one. pino
  // flushes what is left synchronously when the process exits, crashes included (not on
  // SIGKILL, which nothing survives).
  return pino(
    options,
    asBuffers(pino.destination({ dest: 1, sync: false, contentMode: "buffer" })),
  );
}

/**
 * One line per request, written once it is answered: method, route pattern, status, time in
 * ms, the request id and, when authenticated, the key's id. The URL is there too, redacted by
 * the request serializer; headers and bodies never are. Not registered at all when the level
 * leaves info lines out, so that such a server spends nothing on it.
 */
export function registerRequestLog(app: FastifyInstance): void {
  if (!(app.log as unknown as Logger).isLevelEnabled("info")) return;
  // Through the server's logger with the request id first, as a child logger would write it,
  // without making one per request (requestLogger.ts).
  const log = app.log;
  app.addHook("onResponse", (request, reply, done) => {
    const keyId = request.principal?.key.id;
    log.info(
      {
        reqId: request.id,
        req: request,
        route: request.routeOptions.url,
        res: { statusCode: reply.statusCode },
        responseTime: Math.round(reply.elapsedTime * 100) / 100,
        ...(keyId === undefined ? {} : { keyId }),
      },
      REQUEST_LINE,
    );
    done();
  });
}
