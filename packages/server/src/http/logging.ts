import type { FastifyRequest } from "fastify";

/** Query parameters whose values are never written to a log. */
const SECRET_PARAMS = /^(api_key|key|token|session_key|password)$/i;

/** The URL with secret-looking query values replaced, so a key sent by mistake is not logged. */
export function redactUrl(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const name of [...params.keys()])
    if (SECRET_PARAMS.test(name)) params.set(name, "[redacted]");
  return `${url.slice(0, q)}?${params.toString()}`;
}

/** What a request log line holds: never headers (Authorization, Cookie) or bodies. */
export function requestSerializer(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    remoteAddress: request.ip,
  };
}
