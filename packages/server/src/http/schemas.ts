import { categories, errorCodes } from "@latchkey/core";
import { Type } from "@sinclair/typebox";

/**
 * The wire schemas every feature shares. Fastify validates requests and serialises answers
 * with them, and the OpenAPI document is generated from them, so the three cannot disagree.
 * Each feature keeps its own beside its routes (keys/keySchemas.ts, …); routes.ts lists them.
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

export const Timestamp = Type.String({ format: "date-time" });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

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

/** Referenced by $id from the features' schemas. */
export const sharedSchemas = [ErrorBody, PermissionTreeSchema];
