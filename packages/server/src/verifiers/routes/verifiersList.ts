import { Type } from "@sinclair/typebox";
import { endpoint, principalOf } from "../../http/access.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { verifierView } from "../verifierViews.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/verifiers/",
  category: "user_read",
  name: "api.verifiers.list",
  summary: "List the account's verifiers and their streams",
});

export const verifiersList = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "Each verifier with whether it is connected, to which node, since when, and how late its acknowledgements are (`ack_lag_ms`). Nodes report their streams every few seconds.",
      tags: ["verifiers"],
      security: [{ bearer: [] }],
      response: {
        200: Type.Object({ verifiers: Type.Array(Type.Ref("Verifier")) }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const listings = await deps.verifiers.list(principalOf(request));
      return { verifiers: listings.map((l) => verifierView(l, deps.usage)) };
    },
  });
});
