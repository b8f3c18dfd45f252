import { endpoint } from "../../http/access.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/openapi.json",
  category: null,
  name: "api.openapi",
  summary: "This API's OpenAPI 3 document.",
});

export const openapi = defineRoute(entry, (app) => {
  typed(app).route({
    ...endpoint(entry),
    schema: { hide: true },
    handler: async () => app.swagger(),
  });
});
