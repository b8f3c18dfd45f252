import { DEFAULT_KEYS_PAGE, MAX_KEYS_PAGE } from "@latchkey/core";
import { Type } from "@sinclair/typebox";
import { endpoint, principalOf } from "../../http/access.js";
import { fail, unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { keyView } from "../keyViews.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/auth/apikeys/",
  category: "user_read",
  name: "api.apikeys.list",
  summary: "List the account's API keys",
});

export const apiKeysList = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description: `Without \`limit\` and \`after\`, every key, as Vast answers. With either, one page in id order: up to \`limit\` keys (default ${DEFAULT_KEYS_PAGE}) with an id above \`after\` (default 0), and \`next_after\`, the \`after\` of the next page (null on the last). Keys created or deleted between pages never make a page skip or repeat another key.`,
      tags: ["api keys"],
      security: [{ bearer: [] }],
      // Unknown query parameters stay allowed, as they were before paging: Vast's clients
      // must get the same answer as ever.
      querystring: Type.Object({
        limit: Type.Optional(
          Type.Integer({
            minimum: 1,
            maximum: MAX_KEYS_PAGE,
            description: `Keys per page (1 to ${MAX_KEYS_PAGE}); asks for a page.`,
          }),
        ),
        after: Type.Optional(
          Type.Integer({
            minimum: 0,
            maximum: 2_147_483_647,
            description: "Only keys with a larger id: the `next_after` of the previous page.",
          }),
        ),
        team_id: Type.Optional(
          Type.Integer({
            minimum: 1,
            maximum: 2_147_483_647,
            description:
              "From a personal credential: your own team keys in that team (as `team_id` makes them with POST), whatever your role says of user_read.",
          }),
        ),
      }),
      response: {
        200: Type.Object({
          apikeys: Type.Array(Type.Ref("ApiKey")),
          next_after: Type.Optional(
            Type.Union([Type.Integer(), Type.Null()], {
              description: "Paged answers only: `after` for the next page; null on the last.",
            }),
          ),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const caller = principalOf(request);
      const { limit, after, team_id: teamId } = request.query;
      let userId = caller.user.id;
      // In a team, a member lists their own team keys (GET /api/v0/team/apikeys/ lists all).
      let memberId = caller.key.memberId ?? undefined;
      if (teamId !== undefined && teamId !== userId) {
        if (memberId !== undefined) {
          unwrap(
            fail(
              "invalid_request",
              "team_id: a team credential lists keys of its own team only; list another team's from your personal key or session.",
            ),
          );
        }
        if (!(await deps.store.findMember(teamId, caller.user.id))) {
          unwrap(fail("not_found", `Team ${teamId} not found among your teams.`));
        }
        userId = teamId;
        memberId = caller.user.id;
      }
      const now = deps.now();
      if (limit === undefined && after === undefined) {
        const keys = await deps.store.listKeys(userId, "api", undefined, memberId);
        return { apikeys: keys.map((k) => keyView(k, deps.usage, now)) };
      }
      const size = limit ?? DEFAULT_KEYS_PAGE;
      // One more than the page, to tell whether another page follows.
      const page1 = { after: after ?? 0, limit: size + 1 };
      const keys = await deps.store.listKeys(userId, "api", page1, memberId);
      const page = keys.slice(0, size);
      const last = page.at(-1);
      return {
        apikeys: page.map((k) => keyView(k, deps.usage, now)),
        next_after: keys.length > size && last ? last.id : null,
      };
    },
  });
});
