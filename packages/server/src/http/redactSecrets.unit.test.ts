import { generateKey } from "@latchkey/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateWebhookSecret } from "../webhooks/webhookSecrets.js";
import { redactSecrets } from "./logging.js";

/**
 * The last line of defence in front of every log line. It first looks for what any secret
 * holds and passes a line without it on untouched; this attacks that shortcut: lines built
 * of keys (of any prefix, glued to letters or not), webhook signing secrets, JSON punctuation
 * and look-alikes must come out with no secret left in them, and lines without one unchanged.
 */

const prefix = fc.stringMatching(/^[a-z][a-z0-9]{0,15}$/);
const noise = fc.oneof(
  fc.constantFrom('{"msg":"', '","url":"/api/v0/', "?token=", " ", "_", "__", "-", '"}', "\\n"),
  fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/),
);

describe("redactSecrets", () => {
  it("leaves no key or webhook secret in any line, and changes a line without one not at all", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            prefix.map((p) => ({ secret: generateKey(p) })),
            fc.constant(null).map(() => ({ secret: generateWebhookSecret() })),
            noise.map((text) => ({ text })),
          ),
          { maxLength: 8 },
        ),
        (parts) => {
          const line = parts.map((p) => ("secret" in p ? p.secret : p.text)).join("");
          const out = redactSecrets(line);
          const secrets = parts.flatMap((p) => ("secret" in p ? [p.secret] : []));
          for (const secret of secrets) expect(out).not.toContain(secret);
          // (Noise shaped like a webhook secret is redacted as one: it cannot be told apart.)
          if (secrets.length === 0 && !/whsec_[A-Za-z0-9_-]{43}/.test(line)) {
            expect(out).toBe(line);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
