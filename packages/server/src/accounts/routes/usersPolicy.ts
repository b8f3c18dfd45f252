import { endpoint, principalOf } from "../../http/access.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { AccountPolicySchema } from "../accountSchemas.js";
import { policyView } from "../accountViews.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/users/current/policy/",
  category: "user_read",
  name: "api.users.policy",
  summary: "The account's key lifecycle policy",
});

export const usersPolicy = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      tags: ["account"],
      security: [{ bearer: [] }],
      response: { 200: AccountPolicySchema, ...errorResponses },
    },
    handler: async (request) => {
      const caller = principalOf(request);
      const user = (await deps.store.findUserById(caller.user.id)) ?? caller.user;
      return policyView(user.policy);
    },
  });
});
