import { ApiError } from "@latchkey/core";
import { endpoint, principalOf } from "../../http/access.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { AckBody, Grant } from "../verifierSchemas.js";

const entry = serverRoute({
  method: "POST",
  path: "/api/v0/verifiers/ack/",
  category: null,
  name: "api.verifiers.ack",
  summary: "Acknowledge a verifier's stream events and renew its lease",
});

export const verifiersAck = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry, { auth: "required", verifier: true }),
    schema: {
      summary: entry.summary,
      description:
        "`seq` is the last event of the stream the verifier has applied. The answer grants a lease counted from when this request was sent, valid once every event up to the answer's `seq` is applied. 404 when the stream is gone or was cut: reconnect (with an empty cache).",
      tags: ["verifiers"],
      security: [{ bearer: [] }],
      body: AckBody,
      response: { 200: Grant, ...errorResponses },
    },
    handler: async (request) => {
      const principal = principalOf(request);
      const grant = deps.verifiers.hub.acknowledge(
        { verifierId: principal.key.id, userId: principal.user.id },
        request.body.connection,
        request.body.seq,
        request.body.release === true,
      );
      if (!grant) {
        throw new ApiError(
          "not_found",
          "No such stream on this node (it ended or was cut off): open a new one on GET /api/v0/verifiers/stream/, with an empty cache.",
        );
      }
      return { lease_ms: grant.leaseMs, seq: grant.seq };
    },
  });
});
