import { Type } from "@sinclair/typebox";
import { endpoint } from "../../http/access.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";

const entry = serverRoute({
  method: "GET",
  path: "/healthz",
  category: null,
  name: "healthz",
  summary: "Liveness: 200 once the server is ready.",
});

export const healthz = defineRoute(entry, (app) => {
  typed(app).route({
    ...endpoint(entry),
    schema: { hide: true, response: { 200: Type.Object({ status: Type.Literal("ok") }) } },
    handler: async () => ({ status: "ok" as const }),
  });
});
