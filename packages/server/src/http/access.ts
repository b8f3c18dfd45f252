import type { Category, Params, RouteEntry } from "@latchkey/core";
import type { FastifyRequest } from "fastify";
import type { Origin, Principal } from "../auth/principal.js";

/** How a route is protected: taken from its catalogue entry, plus how to read its parameters. */
export interface RouteAccess {
  entry: RouteEntry;
  /** "optional": a credential is used when given (sign-up while closed needs an admin's). */
  auth: "required" | "optional" | "none";
  /** Only a session (a console login), not an API key, may call it. */
  sessionOnly?: boolean;
  /**
   * Only a verifier's token may call it (the revocation stream and its verify route); a
   * verifier's token is refused on every other route (docs/revocation.md, "Verifiers").
   */
  verifier?: boolean;
  /**
   * Any session may call it whatever its rights, as it only ends the calling session: logout,
   * for a team session whose member's role lacks user_write (docs/teams.md).
   */
  endsCaller?: boolean;
  /** "sensitive": the stricter limit of sign-up, login and key creation. */
  limit?: "sensitive";
  /** The parameters constraints are checked against; default: the path parameters. */
  params?: (request: FastifyRequest) => Params;
}

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | undefined;
    /** The route's access rule, read once per request by the authentication hook. */
    access: RouteAccess | undefined;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

/** `/api/v0/auth/apikeys/{id}/` → `/api/v0/auth/apikeys/:id/` */
export function toFastifyPath(pattern: string): string {
  return pattern.replace(/\{(\w+)\}/g, ":$1");
}

/** The method, URL and access rule of a route, from its catalogue entry. */
export function endpoint(
  entry: RouteEntry,
  options: Omit<RouteAccess, "entry" | "auth"> & { auth?: RouteAccess["auth"] } = {},
) {
  const auth = options.auth ?? (entry.category === null ? "none" : "required");
  const access: RouteAccess = { ...options, entry, auth };
  return { method: entry.method, url: toFastifyPath(entry.path), config: { access } };
}

export function categoryOf(access: RouteAccess): Category | null {
  return access.entry.category;
}

/** The principal of a route whose access rule requires one. */
export function principalOf(request: FastifyRequest): Principal {
  const principal = request.principal;
  if (!principal) throw new Error(`route ${request.url} reached its handler without a principal`);
  return principal;
}

/** Where the request came from, for the audit log: the route is the catalogue's pattern. */
export function originOf(request: FastifyRequest, deps: { now: () => Date }): Origin {
  const entry = request.routeOptions.config.access?.entry;
  const route = entry
    ? `${entry.method} ${entry.path}`
    : `${request.method} ${request.routeOptions.url ?? "?"}`;
  return { ip: request.ip, route, at: deps.now() };
}
