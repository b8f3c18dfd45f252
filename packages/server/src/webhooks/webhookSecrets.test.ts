import { createHmac, randomBytes } from "node:crypto";
import { PepperRing } from "@latchkey/core";
import { openTestStore, startReceiver } from "@latchkey/testkit";
import { describe, expect, it } from "vitest";
import { WebhookDispatcher } from "./webhookDispatcher.js";
import { generateWebhookSecret, WebhookSecretBox } from "./webhookSecrets.js";

const pepper = (version: number) => ({ version, secret: randomBytes(32) });

describe("WebhookSecretBox", () => {
  it("opens what it sealed; the ciphertext holds no trace of the secret", () => {
    const box = new WebhookSecretBox(new PepperRing([pepper(1)]));
    const secret = generateWebhookSecret();
    const sealed = box.seal(secret, 7);
    expect(sealed.secretKeyVersion).toBe(1);
    expect(sealed.secretLast4).toBe(secret.slice(-4));
    expect(sealed.secretCiphertext).not.toContain(secret.slice(6, 20));
    expect(box.open({ ...sealed, userId: 7 })).toBe(secret);
    // Sealing twice gives different ciphertexts (a fresh IV each time).
    expect(box.seal(secret, 7).secretCiphertext).not.toBe(sealed.secretCiphertext);
  });

  it("refuses a ciphertext moved to another account, altered, or sealed under a retired pepper", () => {
    const v1 = pepper(1);
    const box = new WebhookSecretBox(new PepperRing([v1]));
    const sealed = box.seal(generateWebhookSecret(), 7);
    expect(() => box.open({ ...sealed, userId: 8 })).toThrow();
    const [iv, tag, body = ""] = sealed.secretCiphertext.split(".");
    const flipped = `${body.slice(0, -2)}${body.endsWith("AA") ? "BB" : "AA"}`;
    expect(() =>
      box.open({ ...sealed, secretCiphertext: `${iv}.${tag}.${flipped}`, userId: 7 }),
    ).toThrow();
    const rotated = new WebhookSecretBox(new PepperRing([pepper(2), v1]));
    expect(rotated.open({ ...sealed, userId: 7 })).toBeTypeOf("string");
    const retired = new WebhookSecretBox(new PepperRing([pepper(2)]));
    expect(() => retired.open({ ...sealed, userId: 7 })).toThrow(/pepper v1/);
  });

  it("after a pepper rotation, a delivery signs with the old secret and re-seals it under the new pepper", async () => {
    const { store, dispose } = await openTestStore("sqlite");
    const receiver = await startReceiver();
    try {
      const v1 = pepper(1);
      const old = new WebhookSecretBox(new PepperRing([v1]));
      const user = await store.createUser({
        email: "r@example.com",
        passwordHash: "h",
        createdAt: "2027-01-01T00:00:00.000Z",
      });
      if (user === "email_taken") throw new Error("unexpected");
      const secret = generateWebhookSecret();
      const at = "2027-01-01T00:00:00.000Z";
      const hook = await store.insertWebhook({
        userId: user.id,
        url: receiver.url,
        description: "",
        events: null,
        active: true,
        ...old.seal(secret, user.id),
        createdAt: at,
        updatedAt: at,
      });
      await store.insertEvent({
        userId: user.id,
        apiKeyId: 1,
        type: "key.created",
        payload: {},
        createdAt: at,
      });

      const v2 = pepper(2);
      const box = new WebhookSecretBox(new PepperRing([v2, v1]));
      const settings = {
        retrySeconds: [10],
        timeoutMs: 5000,
        allowPrivate: true,
        retentionDays: 30,
      };
      const dispatcher = new WebhookDispatcher(
        store,
        box,
        settings,
        () => new Date(at),
        (err) => {
          throw err;
        },
      );
      await dispatcher.runOnce();
      const [request] = await receiver.waitFor(1);
      const [, t, v1sig] =
        /^t=(\d+),v1=(\w+)$/.exec(String(request?.headers["latchkey-signature"])) ?? [];
      expect(v1sig).toBe(
        createHmac("sha256", secret).update(`${t}.${request?.body}`).digest("hex"),
      );

      const resealed = await store.findWebhook(user.id, hook.id);
      expect(resealed?.secretKeyVersion).toBe(2);
      expect(resealed?.updatedAt).toBe(at);
      expect(resealed && box.open(resealed)).toBe(secret);
      // The old pepper is no longer needed for this endpoint.
      expect(resealed && new WebhookSecretBox(new PepperRing([v2])).open(resealed)).toBe(secret);
    } finally {
      await receiver.close();
      await dispose();
    }
  });
});
