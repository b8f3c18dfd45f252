import { Type } from "@sinclair/typebox";
import { Timestamp } from "../http/schemas.js";

export const AuditLog = Type.Object(
  {
    id: Type.Integer(),
    action: Type.String(),
    api_key_id: Type.Union([Type.Integer(), Type.Null()]),
    api_route: Type.String(),
    args: Type.Unknown({ description: "What was asked, never a secret." }),
    ip_address: Type.Union([Type.String(), Type.Null()], {
      description: "The caller's address (for a counted refusal, the first one's).",
    }),
    created_at: Timestamp,
    count: Type.Integer({
      minimum: 1,
      description:
        "How many times this happened. 1, except for refusals (api_key.denied): one row per key, route, reason and minute counts its repeats, created_at and ip_address being the first one's.",
    }),
  },
  { $id: "AuditLog" },
);
