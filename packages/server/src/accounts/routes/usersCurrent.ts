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
          account_kind: Type.Union([Type.Literal("person"), Type.Literal("team")], {
            description: "A team credential acts on the team's account (`id`).",
          }),
          member_id: Type.Union([Type.Integer(), Type.Null()], {
            description: "A team credential's member: the person it belongs to.",
          }),
          role: Type.Union([Type.String(), Type.Null()], {
            description: "A team credential's member's role.",
          }),
          created_at: Type.String({ format: "date-time" }),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const { user, key, member } = principalOf(request);
      return {
        id: user.id,
        // A team's account has no address of its own: the member's is the one that means something.
        email: member?.email ?? user.email,
        key_id: key.id,
        key_kind: key.kind,
        is_admin: user.isAdmin,
        account_kind: user.kind,
        member_id: key.memberId ?? null,
        role: member?.roleName ?? null,
        created_at: user.createdAt,
      };
    },
  });
});
