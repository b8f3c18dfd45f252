import { endpoint } from "../../http/access.js";
import { type RouteModule, typed } from "../../http/route.js";

export const openapi: RouteModule = (app) => {
  typed(app).route({
    ...endpoint("GET", "/api/v0/openapi.json"),
    schema: { hide: true },
    handler: async () => app.swagger(),
  });
};
