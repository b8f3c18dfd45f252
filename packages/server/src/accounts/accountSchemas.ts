import { Type } from "@sinclair/typebox";

export const Credentials = Type.Object(
  {
    email: Type.String({ maxLength: 1024 }),
    password: Type.String({ maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export const AccountPolicySchema = Type.Object(
  {
    max_key_lifetime_days: Type.Union([Type.Integer(), Type.Null()]),
    expiry_reminder_days: Type.Union([Type.Integer(), Type.Null()]),
    revoke_unused_after_days: Type.Union([Type.Integer(), Type.Null()]),
  },
  { $id: "AccountPolicy", description: "An account's key lifecycle policy; null is off." },
);
