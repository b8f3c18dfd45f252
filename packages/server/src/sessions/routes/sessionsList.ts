import { instantMs } from "@latchkey/core";
import { Type } from "@sinclair/typebox";
import { endpoint, principalOf } from "../../http/access.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { sessionView } from "../sessionViews.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/auth/sessions/",
  category: "user_read",
  name: "api.sessions.list",
  summary: "List the account's sessions",
});

export const sessionsList = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      tags: ["account"],
      security: [{ bearer: [] }],
      response: {
        200: Type.Object({ sessions: Type.Array(Type.Ref("Session")) }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const caller = principalOf(request);
      const now = deps.now().getTime();
      // In a team, a member sees their own team sessions only.
      const member = caller.key.memberId ?? undefined;
      const sessions = await deps.store.listKeys(caller.user.id, "session", undefined, member);
      return {
        sessions: sessions
          .filter((s) => s.expiresAt === null || instantMs(s.expiresAt) > now)
          .map((s) => sessionView(s, deps.usage, caller.key.id)),
      };
    },
  });
});
