import { Type } from "@sinclair/typebox";
import { endpoint } from "../../http/access.js";
import { type RouteModule, typed } from "../../http/route.js";

export const healthz: RouteModule = (app) => {
  typed(app).route({
    ...endpoint("GET", "/healthz"),
    schema: { hide: true, response: { 200: Type.Object({ status: Type.Literal("ok") }) } },
    handler: async () => ({ status: "ok" as const }),
  });
};
