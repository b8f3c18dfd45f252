import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { call, createKey, signUpAndLogIn, startTestServer, tempDir } from "@latchkey/testkit";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";

const pepper = (version: number) => `v${version}:${randomBytes(32).toString("hex")}`;

function hashVersionOf(dataDir: string, id: number): number {
  const db = new Database(join(dataDir, "latchkey.db"), { readonly: true });
  try {
    return (
      db.prepare("SELECT hash_version FROM api_keys WHERE id = ?").get(id) as {
        hash_version: number;
      }
    ).hash_version;
  } finally {
    db.close();
  }
}

describe("pepper rotation", () => {
  it("a new pepper keeps old keys working, moves them over on use, and the old one can then go", async () => {
    const dir = tempDir();
    const v1 = pepper(1);
    const v2 = pepper(2);
    try {
      let server = await startTestServer({ LATCHKEY_DATA_DIR: dir.path, LATCHKEY_PEPPER: v1 });
      const user = await signUpAndLogIn(server.url);
      const used = await createKey(server.url, user.session, { name: "used after rotation" });
      const idle = await createKey(server.url, user.session, { name: "not used" });
      await server.close();

      // Rotate: the new pepper first, the old one kept for verification.
      server = await startTestServer({
        LATCHKEY_DATA_DIR: dir.path,
        LATCHKEY_PEPPER: `${v2},${v1}`,
      });
      expect(hashVersionOf(dir.path, used.id)).toBe(1);
      expect(
        (await call(server.url, "GET", "/api/v0/users/current/", { key: used.key })).status,
      ).toBe(200);
      expect(hashVersionOf(dir.path, used.id)).toBe(2);
      expect(hashVersionOf(dir.path, idle.id)).toBe(1);
      const fresh = await createKey(server.url, user.session);
      expect(hashVersionOf(dir.path, fresh.id)).toBe(2);
      await server.close();

      // Retire v1: moved keys still work; a key never used since the rotation does not.
      server = await startTestServer({ LATCHKEY_DATA_DIR: dir.path, LATCHKEY_PEPPER: v2 });
      expect(
        (await call(server.url, "GET", "/api/v0/users/current/", { key: used.key })).status,
      ).toBe(200);
      expect(
        (await call(server.url, "GET", "/api/v0/users/current/", { key: fresh.key })).status,
      ).toBe(200);
      expect(
        (await call(server.url, "GET", "/api/v0/users/current/", { key: idle.key })).status,
      ).toBe(401);
      await server.close();
    } finally {
      dir.remove();
    }
  });
});
