import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { RouteEntry } from "@latchkey/core";
import type { FastifyInstance } from "fastify";
import type { Deps } from "../deps.js";

/**
 * One operation of this server: its catalogue entry (method, path, the category that grants
 * it, the name a permission tree uses, its summary) and how it registers. The catalogue of this
 * server's routes is the list of these (routes.ts), so an entry and its route cannot disagree.
 */
export interface RouteModule {
  readonly entry: RouteEntry;
  register(app: FastifyInstance, deps: Deps): void;
}

/** A catalogue entry of this server's own. */
export const serverRoute = (entry: Omit<RouteEntry, "source">): RouteEntry =>
  Object.freeze({ ...entry, source: "server" });

export function defineRoute(entry: RouteEntry, register: RouteModule["register"]): RouteModule {
  return { entry, register };
}

export const typed = (app: FastifyInstance) => app.withTypeProvider<TypeBoxTypeProvider>();
