import { Type } from "@sinclair/typebox";
import { endpoint, originOf } from "../../http/access.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { LEAK_REPORT_ANSWER } from "../leakReports.js";

export const MAX_REPORTED_SECRETS = 100;

const entry = serverRoute({
  method: "POST",
  path: "/api/v0/auth/apikeys/report-leak/",
  category: null,
  name: "api.apikeys.report_leak",
  summary: "Report leaked secrets",
});

export const apiKeysReportLeak = defineRoute(entry, (app, deps) => {
  typed(app).route({
    // Public like GitHub's revocation API: whoever finds a key can have it revoked. Limited per
    // IP address with the stricter limit of sign-up and login.
    ...endpoint(entry, { limit: "sensitive" }),
    schema: {
      summary: entry.summary,
      description:
        "For whoever finds Latchkey keys where they should not be (a public repository, a paste): each reported secret that is a live key is revoked at once on every node, its owner's audit log records the report (`api_key.leaked`, with `url`, never the secret) and their webhooks get `key.leaked`. A previous secret still in a reset's grace window ends that window. No credential needed. The answer is the same 202 whether any secret was valid or not. Rate-limited per IP address.",
      tags: ["api keys"],
      body: Type.Object(
        {
          secrets: Type.Array(Type.String({ minLength: 1, maxLength: 512 }), {
            minItems: 1,
            maxItems: MAX_REPORTED_SECRETS,
            description: `The secrets found, at most ${MAX_REPORTED_SECRETS}.`,
          }),
          url: Type.String({
            minLength: 1,
            maxLength: 2048,
            description: "Where they were found (shown to each owner).",
          }),
        },
        { additionalProperties: false },
      ),
      response: {
        202: Type.Object({ success: Type.Literal(true), msg: Type.String() }),
        ...errorResponses,
      },
    },
    handler: async (request, reply) => {
      const { secrets, url } = request.body;
      await deps.leaks.report(secrets, url, originOf(request, deps));
      reply.status(202);
      return { success: true as const, msg: LEAK_REPORT_ANSWER };
    },
  });
});
