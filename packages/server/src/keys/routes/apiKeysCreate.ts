import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { CreateKeyBody } from "../keySchemas.js";
import { keyView } from "../keyViews.js";

const entry = serverRoute({
  method: "POST",
  path: "/api/v0/auth/apikeys/",
  category: "user_write",
  name: "api.apikeys.create",
  summary: "Create an API key",
});

export const apiKeysCreate = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry, { limit: "sensitive" }),
    schema: {
      summary: entry.summary,
      description:
        "Without `permissions` the key has full access. The secret is in `key`, in this answer only: store it now.",
      tags: ["api keys"],
      security: [{ bearer: [] }],
      body: CreateKeyBody,
      response: { 200: { $ref: "ApiKeyWithSecret#" }, ...errorResponses },
    },
    handler: async (request) => {
      const { name, permissions, key_params, expires_at, team_id } = request.body;
      const input = {
        name,
        permissions,
        keyParams: key_params,
        expiresAt: expires_at,
        teamId: team_id,
      };
      const { record, secret } = unwrap(
        await deps.keys.create(principalOf(request), input, originOf(request, deps)),
      );
      return { success: true as const, ...keyView(record, deps.usage, deps.now()), key: secret };
    },
  });
});
