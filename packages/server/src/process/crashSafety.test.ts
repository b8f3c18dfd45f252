import { call, signUpAndLogIn, spawnServer, tempDir } from "@latchkey/testkit";
import { describe, expect, it } from "vitest";

/**
 * Creates and deletes under load, then SIGKILL in the middle of it: after a restart every
 * create that was acknowledged works and every delete that was acknowledged is refused.
 */
describe("crash safety", () => {
  it("keeps every acknowledged create and delete across a SIGKILL under load", async () => {
    const dir = tempDir();
    try {
      const first = await spawnServer({ LATCHKEY_DATA_DIR: dir.path });
      const user = await signUpAndLogIn(first.url);
      const created: { id: number; key: string }[] = [];
      const deleted: { id: number; key: string }[] = [];
      let stop = false;

      const worker = async (n: number) => {
        for (let i = 0; !stop && i < 500; i++) {
          try {
            const made = await call<{ id: number; key: string }>(
              first.url,
              "POST",
              "/api/v0/auth/apikeys/",
              {
                key: user.session,
                body: { name: `w${n}-${i}` },
              },
            );
            if (made.status !== 200) continue;
            const key = { id: made.body.id, key: made.body.key };
            if (i % 3 === 0) {
              const gone = await call(first.url, "DELETE", `/api/v0/auth/apikeys/${key.id}/`, {
                key: user.session,
              });
              if (gone.status === 200) deleted.push(key);
              else created.push(key);
            } else {
              created.push(key);
            }
          } catch {
            return; // the server died mid-request: nothing was acknowledged
          }
        }
      };
      const workers = Array.from({ length: 8 }, (_, n) => worker(n));
      // Kill once a fair amount of work has been acknowledged.
      while (created.length + deleted.length < 60)
        await new Promise((resolve) => setTimeout(resolve, 20));
      await first.stop("SIGKILL");
      stop = true;
      await Promise.all(workers);
      expect(created.length).toBeGreaterThan(30);
      expect(deleted.length).toBeGreaterThan(10);

      const second = await spawnServer({ LATCHKEY_DATA_DIR: dir.path });
      try {
        for (const key of created) {
          const me = await call(second.url, "GET", "/api/v0/users/current/", { key: key.key });
          expect(me.status, `acknowledged key ${key.id}`).toBe(200);
          expect(me.body.key_id).toBe(key.id);
        }
        for (const key of deleted) {
          expect(
            (await call(second.url, "GET", "/api/v0/users/current/", { key: key.key })).status,
          ).toBe(401);
        }
      } finally {
        await second.stop();
      }
    } finally {
      dir.remove();
    }
  });
});
