import { Type } from "@sinclair/typebox";
import { NullableTimestamp, Timestamp } from "../http/schemas.js";

export const Session = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String({ description: "The device (user agent) that logged in." }),
    created_at: Timestamp,
    last_used_at: NullableTimestamp,
    last_used_ip: Type.Union([Type.String(), Type.Null()]),
    expires_at: NullableTimestamp,
    current: Type.Boolean({ description: "True for the session making this request." }),
  },
  { $id: "Session" },
);
