import type { CookieSerializeOptions } from "@fastify/cookie";
import type { FastifyRequest } from "fastify";
import { SESSION_DAYS } from "../sessions/sessionService.js";

/** The console's session cookie: HttpOnly (no script reads it), SameSite=Strict. */
export const SESSION_COOKIE = "latchkey_session";

/**
 * A cookie the request sent, if any. Cookies are parsed here, where a credential is looked
 * for, and only when the request has a Cookie header: API clients send none, and parsing on
 * every request (the plugin's default hook) cost each of them a parse and two allocations.
 */
export function cookieOf(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  return header === undefined ? undefined : request.server.parseCookie(header)[name];
}

/**
 * The console's team session cookie (docs/teams.md, "Team sessions"), with the same
 * attributes. It is read instead of SESSION_COOKIE only when the request says
 * `X-Latchkey-Account: team`; a Bearer header always wins over both.
 */
export const TEAM_SESSION_COOKIE = "latchkey_team_session";

/** The request header that picks the team cookie; its one value is `team`. */
export const ACCOUNT_HEADER = "x-latchkey-account";

/** The `proto=` values of a `Forwarded` header (RFC 7239), lower-cased. */
function forwardedProtos(header: string): string[] {
  return header
    .split(/[,;]/)
    .map((pair) => pair.trim().split("="))
    .filter(([name]) => name?.toLowerCase() === "proto")
    .map(([, value = ""]) => value.replace(/^"(.*)"$/, "$1").toLowerCase());
}

function headerValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(","));
}

/**
 * Whether the client reached us over HTTPS: over TLS to this socket, as a trusted proxy says
 * (`request.protocol`, LATCHKEY_TRUST_PROXY), or as any hop says in `X-Forwarded-Proto` or
 * `Forwarded: proto=https`. Any hop is believed here, unlike for the client's address: the
 * answer only ever adds `Secure`, which keeps the cookie off plain HTTP and gives nobody more.
 */
export function arrivedOverHttps(request: FastifyRequest): boolean {
  if (request.protocol === "https") return true;
  const protos = [
    ...headerValues(request.headers["x-forwarded-proto"]).map((p) => p.trim().toLowerCase()),
    ...headerValues(request.headers.forwarded).flatMap(forwardedProtos),
  ];
  return protos.includes("https");
}

/**
 * The session cookie's attributes, the same when it is set and when it is cleared: HttpOnly,
 * SameSite=Strict, the whole site, and `Secure` whenever the request arrived over HTTPS.
 */
export function sessionCookieOptions(request: FastifyRequest): CookieSerializeOptions {
  return {
    httpOnly: true,
    sameSite: "strict",
    secure: arrivedOverHttps(request),
    path: "/",
    maxAge: SESSION_DAYS * 86_400,
  };
}
