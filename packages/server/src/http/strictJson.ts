import { ApiError, findIllFormedText, illFormedTextMessage } from "@latchkey/core";
import type { FastifyInstance } from "fastify";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * JSON bodies must be text: valid UTF-8 (the default parser would quietly turn bad bytes into
 * U+FFFD), and no string, field names included, holding an unpaired surrogate (the "\ud800"
 * escape), so a name or tree is never stored other than it was sent. Every route's body passes
 * here before its schema, and the answer names the first such string's path, never its value.
 * Parsing itself stays Fastify's (secure-json-parse, refusing __proto__ and constructor
 * poisoning).
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
    parseJson(request, text, (err, value) => {
      if (err) return done(err, undefined);
      const found = findIllFormedText(value);
      if (found)
        return done(new ApiError("invalid_request", illFormedTextMessage(found)), undefined);
      done(null, value);
    });
  });
}
