import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../deps.js";

/** Every route file exports one of these: it registers one operation. */
export type RouteModule = (app: FastifyInstance, ctx: AppContext) => void;

export const typed = (app: FastifyInstance) => app.withTypeProvider<TypeBoxTypeProvider>();
