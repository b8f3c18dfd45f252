import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { CreateVerifierBody } from "../verifierSchemas.js";
import { verifierFields } from "../verifierViews.js";

const entry = serverRoute({
  method: "POST",
  path: "/api/v0/verifiers/",
  category: "user_write",
  name: "api.verifiers.create",
  summary: "Create a verifier (a protected service's revocation stream credential)",
});

export const verifiersCreate = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry, { limit: "sensitive" }),
    schema: {
      summary: entry.summary,
      description:
        "The token (in `token`, in this answer only: store it now) lets the SDK's `Verifier` open the revocation stream and verify keys, and nothing else. See docs/revocation.md.",
      tags: ["verifiers"],
      security: [{ bearer: [] }],
      body: CreateVerifierBody,
      response: { 200: { $ref: "VerifierWithToken#" }, ...errorResponses },
    },
    handler: async (request) => {
      const { record, token } = unwrap(
        await deps.verifiers.create(
          principalOf(request),
          request.body.name,
          originOf(request, deps),
        ),
      );
      return { success: true as const, ...verifierFields(record), token };
    },
  });
});
