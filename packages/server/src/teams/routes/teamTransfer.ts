import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { TransferBody } from "../teamSchemas.js";
import { memberView } from "../teamViews.js";

const entry = serverRoute({
  method: "PUT",
  path: "/api/v0/team/transfer/",
  category: "team_write",
  name: "api.team.transfer",
  summary: "Transfer the team to a manager",
});

export const teamTransfer = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "Owner only. The new owner must be a manager; the old owner becomes a manager. Both members' credentials have their new rights from their next request on, on every node.",
      tags: ["teams"],
      security: [{ bearer: [] }],
      body: TransferBody,
      response: {
        200: Type.Object({
          success: Type.Literal(true),
          msg: Type.String(),
          owner: Type.Ref("TeamMember"),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const owner = unwrap(
        await deps.teams.transfer(
          principalOf(request),
          request.body.new_team_owner_id,
          originOf(request, deps),
        ),
      );
      return {
        success: true as const,
        msg: `${owner.email} now owns the team; you are a manager.`,
        owner: memberView(owner),
      };
    },
  });
});
