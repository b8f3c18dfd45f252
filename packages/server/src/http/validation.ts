import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import type { FastifySchemaCompiler } from "fastify";

function makeAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes,
    // Unknown fields are errors, never silently dropped: a typo must not pass as "ignored".
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
    strict: false,
  });
  addFormats.default(ajv);
  return ajv;
}

/**
 * Path and query parameters arrive as text and are coerced ("12" → 12); JSON bodies are
 * checked strictly ("12" is not a number).
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const coercing = makeAjv(true);
  const strict = makeAjv(false);
  return ({ schema, httpPart }) =>
    (httpPart === "body" ? strict : coercing).compile(schema as object);
}
