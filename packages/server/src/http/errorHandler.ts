import { ApiError } from "@latchkey/core";
import type { FastifyError, FastifyInstance } from "fastify";

/** Fastify's own error codes, mapped onto the catalogue. */
const fastifyCodes: Record<string, () => ApiError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new ApiError("payload_too_large"),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new ApiError("unsupported_media_type"),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () =>
    new ApiError("invalid_request", "The Content-Length header does not match the body."),
  FST_ERR_CTP_EMPTY_JSON_BODY: () =>
    new ApiError(
      "invalid_json",
      "The body is empty but Content-Type is application/json; send {} or drop the header.",
    ),
  FST_ERR_CTP_INVALID_JSON_BODY: () => new ApiError("invalid_json"),
  FST_ERR_BAD_URL: () => new ApiError("invalid_request", "The URL is malformed."),
  FST_ERR_ASYNC_CONSTRAINT: () => new ApiError("invalid_request"),
};

/**
 * `body/name must NOT have more than 255 characters` → `name: at most 255 characters`: a length
 * the schema refuses reads as the services' own checks of the same limit do.
 */
function validationMessage(error: FastifyError): string {
  const [first] = error.validation ?? [];
  if (!first) return error.message;
  const where = (first.instancePath || "").replace(/^\//, "").replaceAll("/", ".");
  const part = error.validationContext ?? "body";
  const params = first.params as Record<string, unknown>;
  const detail =
    first.keyword === "additionalProperties"
      ? `unknown field '${String(params.additionalProperty)}'`
      : first.keyword === "maxLength"
        ? `at most ${String(params.limit)} characters`
        : (first.message ?? "is invalid");
  const field = where || (part === "body" ? "body" : part);
  return `${field}: ${detail}`;
}

/** The one place where failures become answers: every non-2xx body is catalogued. */
export function toApiError(error: FastifyError | ApiError | Error): ApiError {
  if (error instanceof ApiError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation)
    return new ApiError("invalid_request", validationMessage(fastifyError));
  const mapped = fastifyError.code ? fastifyCodes[fastifyError.code] : undefined;
  if (mapped) return mapped();
  if (error instanceof SyntaxError || fastifyError.code?.startsWith("FST_ERR_CTP")) {
    return new ApiError("invalid_json");
  }
  const status = fastifyError.statusCode ?? 500;
  if (status === 413) return new ApiError("payload_too_large");
  if (status >= 400 && status < 500) return new ApiError("invalid_request");
  return new ApiError("internal_error");
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.status >= 500) request.log.error({ err: error }, "request failed");
    if (apiError.code === "rate_limited" && apiError.extra.retry_after !== undefined) {
      reply.header("Retry-After", String(apiError.extra.retry_after));
    }
    return reply.status(apiError.status).send(apiError.toBody());
  });

  app.setNotFoundHandler((request, reply) => {
    // The path is not echoed back: a misplaced secret in it must not appear in any answer.
    const apiError = new ApiError(
      "route_not_found",
      `No such route for ${request.method}; see /api/v0/openapi.json.`,
    );
    return reply.status(404).send(apiError.toBody());
  });
}
