import { MAX_KEY_NAME_LENGTH } from "@latchkey/core";
import { type Static, Type } from "@sinclair/typebox";
import { NullableTimestamp, Timestamp } from "../http/schemas.js";

const verifierFields = {
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String({ description: "The token's first characters, for display." }),
  last4: Type.String({ description: "The token's last four characters, for display." }),
  created_at: Timestamp,
};

export const VerifierConnectionSchema = Type.Object({
  node: Type.String({ description: "The node serving the stream (its id in the nodes table)." }),
  connected_at: Timestamp,
  seen_at: Timestamp,
  live: Type.Boolean({ description: "Whether the node reported it recently." }),
  ack_lag_ms: Type.Union([Type.Integer(), Type.Null()], {
    description:
      "The latest acknowledgement's delay, or the age of one still awaited; null before any.",
  }),
});

export const Verifier = Type.Object(
  {
    ...verifierFields,
    last_used_at: NullableTimestamp,
    connected: Type.Boolean({ description: "Whether any stream of it is live." }),
    node: Type.Union([Type.String(), Type.Null()], {
      description: "The node of its oldest live stream; null when not connected.",
    }),
    connected_since: Type.Union([Timestamp, Type.Null()]),
    ack_lag_ms: Type.Union([Type.Integer(), Type.Null()], {
      description: "The largest acknowledgement lag of its live streams.",
    }),
    connections: Type.Array(VerifierConnectionSchema, {
      description: "Every stream of it (one per process using the token).",
    }),
  },
  { $id: "Verifier" },
);
export type VerifierView = Static<typeof Verifier>;

export const VerifierWithToken = Type.Object(
  {
    success: Type.Literal(true),
    ...verifierFields,
    token: Type.String({
      description:
        "The verifier's token. Shown here once; it is not stored and cannot be shown again.",
    }),
  },
  { $id: "VerifierWithToken" },
);

export const CreateVerifierBody = Type.Object(
  {
    name: Type.String({
      maxLength: MAX_KEY_NAME_LENGTH,
      description: `The protected service's name; at most ${MAX_KEY_NAME_LENGTH} characters.`,
    }),
  },
  { additionalProperties: false },
);

export const AckBody = Type.Object(
  {
    connection: Type.String({
      minLength: 1,
      maxLength: 64,
      description: "The connection id from the stream's hello event.",
    }),
    seq: Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: "The number of the last event the verifier has applied.",
    }),
    release: Type.Optional(
      Type.Boolean({
        description:
          "The verifier is closing and no longer answers from its cache: revocations need not wait out its lease.",
      }),
    ),
  },
  { additionalProperties: false },
);

export const Grant = Type.Object({
  lease_ms: Type.Integer({
    description:
      "The lease, counted from when the request was sent; it starts once every event up to `seq` is applied. 0: not extended this time.",
  }),
  seq: Type.Integer({ description: "The last event sent on the stream." }),
});

export const verifierSchemas = [Verifier, VerifierWithToken];
