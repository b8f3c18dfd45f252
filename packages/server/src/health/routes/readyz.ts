import { setTimeout as sleep } from "node:timers/promises";
import { ApiError } from "@latchkey/core";
import { Type } from "@sinclair/typebox";
import { endpoint } from "../../http/access.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";

/** A database that takes longer than this to answer is as good as down for a load balancer. */
const PING_TIMEOUT_MS = 2000;

const entry = serverRoute({
  method: "GET",
  path: "/readyz",
  category: null,
  name: "readyz",
  summary: "Readiness: 200 when the database answers and migrations are done, else 503.",
});

/**
 * Readiness: 200 when the database answers and its migrations are done, else 503. The body
 * also says whether the node answers from its key cache or, its revocation channel being
 * down, reads every key from the database (still correct, only slower).
 */
export const readyz = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      hide: true,
      response: {
        200: Type.Object({
          status: Type.Literal("ready"),
          storage: Type.Union([Type.Literal("sqlite"), Type.Literal("postgres")]),
          cache: Type.Union([
            Type.Literal("local"),
            Type.Literal("trusted"),
            Type.Literal("untrusted"),
          ]),
        }),
      },
    },
    handler: async () => {
      const timeout = new AbortController();
      const ready = await Promise.race([
        deps.store.ping(),
        sleep(PING_TIMEOUT_MS, false, { signal: timeout.signal }).catch(() => false),
      ]);
      timeout.abort();
      if (!ready) {
        throw new ApiError(
          "unavailable",
          "The database does not answer or its migrations are not done; retry shortly.",
        );
      }
      return {
        status: "ready" as const,
        storage: deps.store.dialect,
        cache: deps.revocations.state(),
      };
    },
  });
});
