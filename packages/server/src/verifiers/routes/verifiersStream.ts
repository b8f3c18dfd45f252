import { endpoint, principalOf } from "../../http/access.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import type { EventSink } from "../verifierHub.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/verifiers/stream/",
  category: null,
  name: "api.verifiers.stream",
  summary: "A verifier's revocation stream (Server-Sent Events)",
});

/**
 * The revocation stream: Server-Sent Events over plain HTTP (docs/revocation.md, "Verifiers",
 * says why not WebSocket). Events: `hello` (the connection id and first lease), `invalidate`
 * (key ids to forget), `reset` (forget everything), `heartbeat`, `cut` (the node gave up on
 * this stream). Each event but the heartbeat carries `seq`, which the verifier acknowledges
 * on POST /api/v0/verifiers/ack/ once applied.
 */
export const verifiersStream = defineRoute(entry, (app, deps) => {
  // Streams never end by themselves: they end first, so that closing the app does not wait.
  app.addHook("preClose", async () => {
    await deps.verifiers.hub.close();
  });
  typed(app).route({
    ...endpoint(entry, { auth: "required", verifier: true }),
    schema: {
      summary: entry.summary,
      description:
        "Needs a verifier's token (POST /api/v0/verifiers/). Answers `text/event-stream`: `hello` {connection, lease_ms, renew_ms, seq}, then `invalidate` {seq, key_ids}, `reset` {seq}, `heartbeat` {seq} and `cut` {reason}. Acknowledge each `seq` on POST /api/v0/verifiers/ack/. The SDK's `Verifier` does all of this.",
      tags: ["verifiers"],
      security: [{ bearer: [] }],
      response: errorResponses,
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
        // Proxies that buffer (nginx) would hold invalidations back.
        "x-accel-buffering": "no",
        // A stream's connection is never reused: when the server ends it (shutting down, a
        // deleted verifier), the socket closes too, instead of idling in the client's pool
        // and holding the server's close open until the keep-alive timeout.
        connection: "close",
        "x-request-id": request.id,
      });
      raw.socket?.setNoDelay(true);
      const sink: EventSink = {
        send(event, data) {
          if (!raw.writableEnded && !raw.destroyed) {
            raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
          }
        },
        end() {
          if (!raw.writableEnded) raw.end();
        },
      };
      const link = deps.verifiers.hub.open(
        { verifierId: principal.key.id, userId: principal.user.id },
        sink,
      );
      raw.on("close", () => deps.verifiers.hub.gone(link));
    },
  });
});
