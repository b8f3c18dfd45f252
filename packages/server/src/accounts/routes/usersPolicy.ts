import { endpoint, principalOf } from "../../http/access.js";
import { type RouteModule, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { AccountPolicySchema } from "../accountSchemas.js";
import { policyView } from "../accountViews.js";

export const usersPolicy: RouteModule = (app, ctx) => {
  typed(app).route({
    ...endpoint("GET", "/api/v0/users/current/policy/"),
    schema: {
      summary: "The account's key lifecycle policy",
      tags: ["account"],
      security: [{ bearer: [] }],
      response: { 200: AccountPolicySchema, ...errorResponses },
    },
    handler: async (request) => {
      const caller = principalOf(request);
      const user = (await ctx.store.findUserById(caller.user.id)) ?? caller.user;
      return policyView(user.policy);
    },
  });
};
