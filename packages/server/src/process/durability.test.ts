import { call, createKey, signUpAndLogIn, spawnServer, tempDir } from "@latchkey/testkit";
import { describe, expect, it } from "vitest";

describe("durability", () => {
  it("keys acknowledged before a kill -9 work after restart; acknowledged deletes stay deleted", async () => {
    const dir = tempDir();
    try {
      const first = await spawnServer({ LATCHKEY_DATA_DIR: dir.path });
      const user = await signUpAndLogIn(first.url);
      const kept = await Promise.all(
        Array.from({ length: 10 }, (_, i) => createKey(first.url, user.session, { name: `k${i}` })),
      );
      const doomed = await createKey(first.url, user.session, { name: "doomed" });
      expect(
        (
          await call(first.url, "DELETE", `/api/v0/auth/apikeys/${doomed.id}/`, {
            key: user.session,
          })
        ).status,
      ).toBe(200);
      await first.stop("SIGKILL");

      const second = await spawnServer({ LATCHKEY_DATA_DIR: dir.path });
      try {
        for (const key of kept) {
          const me = await call(second.url, "GET", "/api/v0/users/current/", { key: key.key });
          expect(me.status).toBe(200);
          expect(me.body.key_id).toBe(key.id);
        }
        expect(
          (await call(second.url, "GET", "/api/v0/users/current/", { key: doomed.key })).status,
        ).toBe(401);
        expect(
          (await call(second.url, "GET", "/api/v0/users/current/", { key: user.session })).status,
        ).toBe(200);
      } finally {
        await second.stop();
      }
    } finally {
      dir.remove();
    }
  });
});
