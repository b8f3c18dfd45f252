import { Type } from "@sinclair/typebox";
import { endpoint, principalOf } from "../../http/access.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { auditView } from "../auditViews.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/audit_logs/",
  category: "misc",
  name: "api.audit_logs.list",
  summary: "The account's audit log, newest first",
});

export const auditLogsList = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      tags: ["account"],
      security: [{ bearer: [] }],
      querystring: Type.Object(
        {
          action: Type.Optional(
            Type.String({ maxLength: 64, description: "e.g. api_key.create, api_key.denied" }),
          ),
          api_key_id: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
          before: Type.Optional(
            Type.Integer({ minimum: 1, description: "Only rows with a smaller id (paging)." }),
          ),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
        },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({ audit_logs: Type.Array(Type.Ref("AuditLog")) }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const q = request.query;
      const rows = await deps.store.listAudit(principalOf(request).user.id, {
        action: q.action,
        apiKeyId: q.api_key_id,
        before: q.before,
        limit: q.limit ?? 100,
      });
      return { audit_logs: rows.map(auditView) };
    },
  });
});
