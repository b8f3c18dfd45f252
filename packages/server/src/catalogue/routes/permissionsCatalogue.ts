import { categories, categoryDescriptions, presets } from "@latchkey/core";
import { Type } from "@sinclair/typebox";
import { endpoint } from "../../http/access.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";

/** The answer's schema, so the OpenAPI document (and the SDK's types generated from it) has it. */
const Catalogue = Type.Object(
  {
    categories: Type.Array(
      Type.Object({
        name: Type.Union(categories.map((c) => Type.Literal(c))),
        description: Type.String(),
        routes: Type.Array(
          Type.Object({
            method: Type.String(),
            path: Type.String(),
            name: Type.String(),
            summary: Type.String(),
            source: Type.Union([
              Type.Literal("server"),
              Type.Literal("platform"),
              Type.Literal("operator"),
            ]),
          }),
        ),
      }),
    ),
    presets: Type.Array(
      Type.Object({
        name: Type.String(),
        label: Type.String(),
        description: Type.String(),
        permissions: Type.Ref("Permissions"),
      }),
    ),
  },
  { $id: "Catalogue" },
);

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/permissions/",
  category: null,
  name: "api.permissions.catalogue",
  summary: "The permission categories, route catalogue and presets",
});

/** The categories, every route a tree can name, and the presets: public, it holds no secret. */
export const permissionsCatalogue = defineRoute(entry, (app, deps) => {
  app.addSchema(Catalogue);
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      tags: ["permissions"],
      response: { 200: { $ref: "Catalogue#" }, ...errorResponses },
    },
    handler: async () => ({
      categories: categories.map((name) => ({
        name,
        description: categoryDescriptions[name],
        routes: deps.catalogue
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
});
