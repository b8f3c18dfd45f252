import { ApiError } from "@latchkey/core";
import type { FastifyInstance } from "fastify";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * JSON bodies must be valid UTF-8: the default parser would quietly turn bad bytes into U+FFFD,
 * so a name or tree could be stored other than it was sent. Parsing itself stays Fastify's
 * (secure-json-parse, refusing __proto__ and constructor poisoning).
 */
export function registerStrictJson(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(new ApiError("invalid_json", "The request body is not valid UTF-8."), undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
