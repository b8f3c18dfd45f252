import { ApiError } from "@latchkey/core";
import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { sendSerialized, serializeNow } from "../../http/answerNow.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";

const Body = Type.Union([
  Type.Object({ client_id: Type.Literal("me") }, { additionalProperties: false }),
  Type.Object(
    { id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) },
    { additionalProperties: false },
  ),
]);

/** The key the body names: `{"client_id": "me"}` is the calling key. */
function targetId(request: FastifyRequest): number | undefined {
  const body = request.body as { client_id?: string; id?: number };
  return body.id ?? (request.principal?.key.kind === "api" ? request.principal.key.id : undefined);
}

const entry = serverRoute({
  method: "PUT",
  path: "/api/v0/commands/reset_apikey/",
  category: "user_write",
  name: "api.apikeys.reset",
  summary: "Reset an API key (Vast's form)",
});

export const resetApiKeyCommand = defineRoute(entry, (app, deps) => {
  typed(app).route({
    // Constraints on `id` apply to the key being reset, whichever form names it.
    ...endpoint(entry, {
      params: (request) => ({ id: targetId(request) }),
    }),
    schema: {
      summary: entry.summary,
      description:
        '`{"client_id": "me"}` resets the calling key; `{"id": N}` resets key N. The old secret gets 401 at once.',
      tags: ["api keys"],
      security: [{ bearer: [] }],
      body: Body,
      response: {
        200: Type.Object({
          success: Type.Literal(true),
          new_api_key: Type.String(),
          id: Type.Integer(),
        }),
        ...errorResponses,
      },
    },
    handler: async (request, reply) => {
      const id = targetId(request);
      if (id === undefined) {
        throw new ApiError(
          "invalid_request",
          'client_id "me" names the calling API key, but this request uses a session; send {"id": N}.',
        );
      }
      const body = unwrap(
        await deps.keys.reset(principalOf(request), id, originOf(request, deps), 0, (reset) =>
          serializeNow(reply, {
            success: true as const,
            new_api_key: reset.secret,
            id: reset.record.id,
          }),
        ),
      );
      return sendSerialized(reply, body);
    },
  });
});
