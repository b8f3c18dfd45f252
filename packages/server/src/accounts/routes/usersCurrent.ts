import { Type } from "@sinclair/typebox";
import { endpoint, principalOf } from "../../http/access.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/users/current/",
  category: "user_read",
  name: "api.users.current",
  summary: "The account and the calling credential",
});

export const usersCurrent = defineRoute(entry, (app) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      tags: ["account"],
      security: [{ bearer: [] }],
      response: {
        200: Type.Object({
          id: Type.Integer(),
          email: Type.String(),
          key_id: Type.Integer({
            description: "The id of the key (or session) making this request.",
          }),
          key_kind: Type.Union([Type.Literal("api"), Type.Literal("session")]),
          is_admin: Type.Boolean(),
          created_at: Type.String({ format: "date-time" }),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const { user, key } = principalOf(request);
      return {
        id: user.id,
        email: user.email,
        key_id: key.id,
        key_kind: key.kind,
        is_admin: user.isAdmin,
        created_at: user.createdAt,
      };
    },
  });
});
