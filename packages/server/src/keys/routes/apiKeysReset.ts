import { MAX_GRACE_SECONDS } from "@latchkey/core";
import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { sendSerialized, serializeNow } from "../../http/answerNow.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses, IdParams } from "../../http/schemas.js";
import { keyView } from "../keyViews.js";

const Body = Type.Union([
  Type.Object(
    {
      grace_seconds: Type.Optional(
        Type.Integer({
          minimum: 0,
          maximum: MAX_GRACE_SECONDS,
          description:
            "Keep the old secret working this many seconds (at most 7 days); 0 or absent: it stops at once.",
        }),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

const entry = serverRoute({
  method: "POST",
  path: "/api/v0/auth/apikeys/{id}/reset/",
  category: "user_write",
  name: "api.apikeys.reset",
  summary: "Reset an API key",
});

export const apiKeysReset = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "Gives the key a new secret, returned once in `key`; id, name and permissions stay. The old secret gets 401 from the moment this answers — or, with `grace_seconds`, from the end of that window (`previous_expires_at`), on every node.",
      tags: ["api keys"],
      security: [{ bearer: [] }],
      params: IdParams,
      body: Body,
      response: { 200: { $ref: "ApiKeyWithSecret#" }, ...errorResponses },
    },
    handler: async (request, reply) => {
      const grace = request.body?.grace_seconds ?? 0;
      const body = unwrap(
        await deps.keys.reset(
          principalOf(request),
          request.params.id,
          originOf(request, deps),
          grace,
          ({ record, secret }) =>
            serializeNow(reply, {
              success: true as const,
              ...keyView(record, deps.usage, deps.now()),
              key: secret,
            }),
        ),
      );
      return sendSerialized(reply, body);
    },
  });
});
