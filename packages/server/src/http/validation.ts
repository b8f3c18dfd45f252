import { Ajv, type ValidateFunction } from "ajv";
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

/** The two Ajv instances, made on the first validation, and what they compiled. */
let ajvs: { coercing: Ajv; strict: Ajv } | undefined;
const compiled = new Map<string, ValidateFunction>();

/**
 * Path and query parameters arrive as text and are coerced ("12" → 12); JSON bodies are
 * checked strictly ("12" is not a number).
 *
 * Each schema is compiled once per process, on its first use (as the serializers are,
 * http/serialization.ts): a validator depends only on its schema, plain JSON here, and which
 * of the two Ajv instances compiled it, so the apps a process builds share them; and a
 * short-lived process compiles only what it validates.
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  return ({ schema, httpPart }) => {
    const body = httpPart === "body";
    const key = `${body ? "strict" : "coercing"}\n${JSON.stringify(schema)}`;
    let validate = compiled.get(key);
    if (validate === undefined) {
      validate = onFirstUse(() => {
        ajvs ??= { coercing: makeAjv(true), strict: makeAjv(false) };
        return (body ? ajvs.strict : ajvs.coercing).compile(schema as object);
      });
      compiled.set(key, validate);
    }
    return validate;
  };
}

/**
 * Ajv's validator, compiled when first called, and standing in for it whole: Fastify reads
 * `errors` after a call, and passes the parent object (so that Ajv may coerce or default the
 * root value) when it sees `schemaEnv`.
 */
function onFirstUse(compile: () => ValidateFunction): ValidateFunction {
  let inner: ValidateFunction | undefined;
  const get = () => {
    inner ??= compile();
    return inner;
  };
  const validate = ((data: unknown, context?: Parameters<ValidateFunction>[1]) =>
    get()(data, context)) as ValidateFunction;
  Object.defineProperties(validate, {
    errors: { get: () => get().errors },
    schemaEnv: { get: () => get().schemaEnv },
  });
  return validate;
}
