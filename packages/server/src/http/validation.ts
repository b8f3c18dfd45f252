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

type Validator = ReturnType<FastifySchemaCompiler<unknown>>;

/** The two Ajv instances and what they compiled, shared by every app of the process. */
let compilers: { coercing: Ajv; strict: Ajv; compiled: Map<string, Validator> } | undefined;

/**
 * Path and query parameters arrive as text and are coerced ("12" → 12); JSON bodies are
 * checked strictly ("12" is not a number).
 *
 * Each schema is compiled once per process (as the serializers are, http/serialization.ts):
 * a validator depends only on its schema, plain JSON here, and which of the two Ajv instances
 * compiled it; the apps a process builds share them.
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  compilers ??= { coercing: makeAjv(true), strict: makeAjv(false), compiled: new Map() };
  const { coercing, strict, compiled } = compilers;
  return ({ schema, httpPart }) => {
    const body = httpPart === "body";
    const key = `${body ? "strict" : "coercing"}\n${JSON.stringify(schema)}`;
    let validate = compiled.get(key);
    if (validate === undefined) {
      validate = (body ? strict : coercing).compile(schema as object);
      compiled.set(key, validate);
    }
    return validate;
  };
}
