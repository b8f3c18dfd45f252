import {
  ApiError,
  DEFAULT_USAGE_HOURS,
  instantMs,
  MAX_USAGE_HOURS,
  type UsageCount,
} from "@latchkey/core";
import { Type } from "@sinclair/typebox";
import { hourOf } from "../../auth/usageRecorder.js";
import { endpoint, principalOf } from "../../http/access.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses, IdParams } from "../../http/schemas.js";
import { KeyService } from "../keyService.js";

const HOUR = 3_600_000;

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/auth/apikeys/{id}/usage/",
  category: "user_read",
  name: "api.apikeys.usage",
  summary: "A key's verified and denied requests per hour",
});

export const apiKeysUsage = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "Hours without requests are left out. Counts are kept in memory and written in batches, so the latest minutes come from the node that answers.",
      tags: ["api keys"],
      security: [{ bearer: [] }],
      params: IdParams,
      querystring: Type.Object(
        {
          hours: Type.Optional(
            Type.Integer({ minimum: 1, maximum: MAX_USAGE_HOURS, default: DEFAULT_USAGE_HOURS }),
          ),
        },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({
          key_id: Type.Integer(),
          from: Type.String({ format: "date-time" }),
          to: Type.String({ format: "date-time" }),
          totals: Type.Object({ verified: Type.Integer(), denied: Type.Integer() }),
          hours: Type.Array(
            Type.Object({
              hour: Type.String({ format: "date-time" }),
              verified: Type.Integer(),
              denied: Type.Integer(),
            }),
          ),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const { id } = request.params;
      const caller = principalOf(request);
      const key = await deps.store.findKey(caller.user.id, id, "api");
      if (!key || !KeyService.owns(caller, key))
        throw new ApiError("not_found", `API key ${id} not found in this account.`);
      const now = deps.now();
      const to = hourOf(now.toISOString());
      const from = hourOf(
        new Date(
          now.getTime() - ((request.query.hours ?? DEFAULT_USAGE_HOURS) - 1) * HOUR,
        ).toISOString(),
      );
      const [fromMs, toMs] = [instantMs(from), instantMs(to)];
      const byHour = new Map<number, UsageCount>();
      for (const row of [
        ...(await deps.store.listUsage(id, from, to)),
        ...deps.usage.pendingCountsOf(id),
      ]) {
        const hourMs = instantMs(row.hour);
        if (hourMs < fromMs || hourMs > toMs) continue;
        const sum = byHour.get(hourMs) ?? { keyId: id, hour: row.hour, verified: 0, denied: 0 };
        sum.verified += row.verified;
        sum.denied += row.denied;
        byHour.set(hourMs, sum);
      }
      const hours = [...byHour].sort(([a], [b]) => a - b).map(([, sum]) => sum);
      return {
        key_id: id,
        from,
        to,
        totals: {
          verified: hours.reduce((n, h) => n + h.verified, 0),
          denied: hours.reduce((n, h) => n + h.denied, 0),
        },
        hours: hours.map(({ hour, verified, denied }) => ({ hour, verified, denied })),
      };
    },
  });
});
