import { type AccountPolicy, categories, errorCodes, MAX_KEY_NAME_LENGTH } from "@latchkey/core";
import { type Static, Type } from "@sinclair/typebox";
import { webhookSchemas } from "../webhooks/webhookSchemas.js";

/**
 * The wire schemas. Fastify validates requests and serialises answers with them, and the
 * OpenAPI document is generated from them, so the three cannot disagree.
 */

export const ErrorBody = Type.Object(
  {
    success: Type.Literal(false),
    error: Type.Union(
      errorCodes.map((c) => Type.Literal(c)),
      { description: "A code from the error catalogue." },
    ),
    msg: Type.String({ description: "What went wrong and what to do." }),
  },
  {
    $id: "ErrorBody",
    additionalProperties: true,
    description: "The body of every non-2xx answer.",
  },
);

export const errorResponses = {
  "4xx": Type.Ref("ErrorBody"),
  "5xx": Type.Ref("ErrorBody"),
};

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });

const Timestamp = Type.String({ format: "date-time" });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

export const PermissionTreeSchema = Type.Union(
  [
    Type.Object(
      {
        api: Type.Partial(
          Type.Object(
            Object.fromEntries(
              categories.map((c) => [c, Type.Record(Type.String(), Type.Unknown())]),
            ),
          ),
        ),
      },
      { additionalProperties: false },
    ),
    Type.Null(),
  ],
  {
    $id: "Permissions",
    description:
      'Vast\'s permission tree {"api": {<category>: <rule>}}; null is full access. Validated by the server with messages that point at the offending node.',
  },
);

export const KeyParamsSchema = Type.Union(
  [Type.Object({ ip_whitelist: Type.Optional(Type.Array(Type.String())) }), Type.Null()],
  { $id: "KeyParams" },
);

const apiKeyFields = {
  id: Type.Integer(),
  user_id: Type.Integer(),
  name: Type.String(),
  permissions: Type.Ref("Permissions"),
  key_params: Type.Ref("KeyParams"),
  prefix: Type.String({ description: "The key's first characters, for display." }),
  last4: Type.String({ description: "The key's last four characters, for display." }),
  created_at: Timestamp,
  last_used_at: NullableTimestamp,
  last_used_ip: Type.Union([Type.String(), Type.Null()]),
  expires_at: NullableTimestamp,
  previous_expires_at: Type.Union([Timestamp, Type.Null()], {
    description:
      "After a reset with a grace window: until when the previous secret still works; null when none.",
  }),
};

export const ApiKey = Type.Object(apiKeyFields, { $id: "ApiKey" });
export type ApiKeyView = Static<typeof ApiKey>;

export const ApiKeyWithSecret = Type.Object(
  {
    success: Type.Literal(true),
    ...apiKeyFields,
    key: Type.String({
      description: "The secret. Shown here once; it is not stored and cannot be shown again.",
    }),
  },
  { $id: "ApiKeyWithSecret" },
);

export const CreateKeyBody = Type.Object(
  {
    name: Type.String({
      maxLength: MAX_KEY_NAME_LENGTH,
      description: `For the owner's eyes only; at most ${MAX_KEY_NAME_LENGTH} characters.`,
    }),
    permissions: Type.Optional(
      Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
    ),
    key_params: Type.Optional(
      Type.Union(
        [
          Type.Object({}, { additionalProperties: true }),
          Type.String({ maxLength: 65_536 }),
          Type.Null(),
        ],
        {
          description: "An object, or the same as a JSON string (as Vast's CLI sends it).",
        },
      ),
    ),
    expires_at: Type.Optional(
      Type.Union([Type.String({ maxLength: 64 }), Type.Null()], {
        description:
          "When the key stops working: an RFC 3339 date-time with its zone (Z or ±hh:mm), e.g. 2027-01-31T00:00:00Z, in the future and in 1970-9999; answered in UTC. Null or absent: no expiry (or the account's maximum lifetime).",
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateKeyBodyType = Static<typeof CreateKeyBody>;

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

export const Credentials = Type.Object(
  {
    email: Type.String({ maxLength: 1024 }),
    password: Type.String({ maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export const sharedSchemas = [
  ErrorBody,
  PermissionTreeSchema,
  KeyParamsSchema,
  ApiKey,
  ApiKeyWithSecret,
  Session,
  AuditLog,
  ...webhookSchemas,
];

export const AccountPolicySchema = Type.Object(
  {
    max_key_lifetime_days: Type.Union([Type.Integer(), Type.Null()]),
    expiry_reminder_days: Type.Union([Type.Integer(), Type.Null()]),
    revoke_unused_after_days: Type.Union([Type.Integer(), Type.Null()]),
  },
  { $id: "AccountPolicy", description: "An account's key lifecycle policy; null is off." },
);

export function policyView(policy: AccountPolicy): Static<typeof AccountPolicySchema> {
  return {
    max_key_lifetime_days: policy.maxKeyLifetimeDays,
    expiry_reminder_days: policy.expiryReminderDays,
    revoke_unused_after_days: policy.revokeUnusedAfterDays,
  };
}
