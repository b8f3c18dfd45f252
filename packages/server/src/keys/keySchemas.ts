import { MAX_KEY_NAME_LENGTH } from "@latchkey/core";
import { type Static, Type } from "@sinclair/typebox";
import { NullableTimestamp, Timestamp } from "../http/schemas.js";

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
    team_id: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 2_147_483_647,
        description:
          "Makes a team key: the id of a team you belong to. Its rights are its permissions cut to your role in the team, on every request (docs/teams.md).",
      }),
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

export const keySchemas = [KeyParamsSchema, ApiKey, ApiKeyWithSecret];
