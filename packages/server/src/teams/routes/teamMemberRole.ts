import type { RouteEntry } from "@latchkey/core";
import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses, IdParams } from "../../http/schemas.js";
import { MemberRoleBody } from "../teamSchemas.js";
import { memberView } from "../teamViews.js";

const setEntry = serverRoute({
  method: "PUT",
  path: "/api/v0/team/members/{id}/roles/",
  category: "team_write",
  name: "api.team.set_member_role",
  summary: "Change a member's role",
});

const assignEntry = serverRoute({
  method: "POST",
  path: "/api/v0/team/members/{id}/roles/",
  category: "team_write",
  name: "api.team.assign_role",
  summary: "Assign a member a role",
});

/** Vast's CLI sends POST, its API documents PUT: the same operation under both. */
const memberRoleRoute = (entry: RouteEntry) =>
  defineRoute(entry, (app, deps) => {
    typed(app).route({
      ...endpoint(entry),
      schema: {
        summary: entry.summary,
        description:
          "`role_id` or `role` (a name). A member holds one role, so this replaces it. Not the owner role, not one's own role, not a role beyond the caller's rights. The member's credentials have the new rights from their next request on, on every node.",
        tags: ["teams"],
        security: [{ bearer: [] }],
        params: IdParams,
        body: MemberRoleBody,
        response: {
          200: Type.Object({
            success: Type.Literal(true),
            msg: Type.String(),
            member: Type.Ref("TeamMember"),
          }),
          ...errorResponses,
        },
      },
      handler: async (request) => {
        const { role_id, role } = request.body;
        const member = unwrap(
          await deps.teams.setMemberRole(
            principalOf(request),
            request.params.id,
            { roleId: role_id, role },
            originOf(request, deps),
          ),
        );
        return {
          success: true as const,
          msg: `${member.email} now holds '${member.roleName}'.`,
          member: memberView(member),
        };
      },
    });
  });

export const teamMemberRoleSet = memberRoleRoute(setEntry);
export const teamMemberRoleAssign = memberRoleRoute(assignEntry);
