import { ApiError } from "@latchkey/core";
import { endpoint, principalOf } from "../../http/access.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses, IdParams } from "../../http/schemas.js";
import { KeyService } from "../keyService.js";
import { keyView } from "../keyViews.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/auth/apikeys/{id}/",
  category: "user_read",
  name: "api.apikeys.show",
  summary: "Show one API key",
});

export const apiKeysShow = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      tags: ["api keys"],
      security: [{ bearer: [] }],
      params: IdParams,
      response: { 200: { $ref: "ApiKey#" }, ...errorResponses },
    },
    handler: async (request) => {
      const caller = principalOf(request);
      const key = await deps.store.findKey(caller.user.id, request.params.id, "api");
      // Another account's key (or another member's team key) answers exactly like a missing one.
      if (!key || !KeyService.owns(caller, key))
        throw new ApiError("not_found", `API key ${request.params.id} not found in this account.`);
      return keyView(key, deps.usage, deps.now());
    },
  });
});
