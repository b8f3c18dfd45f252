import { categories, categoryDescriptions, presets } from "@latchkey/core";
import { endpoint } from "../http/access.js";
import { errorResponses } from "../http/schemas.js";
import { type RouteModule, typed } from "./types.js";

/** The categories, every route a tree can name, and the presets: public, it holds no secret. */
export const permissionsCatalogue: RouteModule = (app, ctx) => {
  typed(app).route({
    ...endpoint("GET", "/api/v0/permissions/"),
    schema: {
      summary: "The permission categories, route catalogue and presets",
      tags: ["permissions"],
      response: { ...errorResponses },
    },
    handler: async () => ({
      categories: categories.map((name) => ({
        name,
        description: categoryDescriptions[name],
        routes: ctx.catalogue
          .routesIn(name)
          .map(({ method, path, name: route, summary, source }) => ({
            method,
            path,
            name: route,
            summary,
            source,
          })),
      })),
      presets: presets.map(({ name, label, description, permissions }) => ({
        name,
        label,
        description,
        permissions,
      })),
    }),
  });
};
