import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { call, createKey, signUpAndLogIn, startTestServer } from "@latchkey/testkit";
import { describe, expect, it } from "vitest";

/** Every file under the data dir, as raw bytes (SQLite's main file, WAL and shared memory). */
function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [{ path, bytes: readFileSync(path) }];
  });
}

describe("secrets at rest and in logs", () => {
  it("the SQLite files and the server's log hold none of the issued secrets", async () => {
    const server = await startTestServer();
    const secrets: string[] = [];
    try {
      const user = await signUpAndLogIn(server.url);
      secrets.push(user.session, user.password);
      for (let i = 0; i < 5; i++) {
        const { key, id } = await createKey(server.url, user.session, { name: `k${i}` });
        secrets.push(key);
        await call(server.url, "GET", "/api/v0/users/current/", { key });
        const reset = await call(server.url, "POST", `/api/v0/auth/apikeys/${id}/reset/`, {
          key: user.session,
        });
        const fresh = String(reset.body.key);
        secrets.push(fresh);
        await call(server.url, "GET", "/api/v0/users/current/", { key: fresh });
        // A key misplaced in the query string must not reach the log either.
        await call(server.url, "GET", `/api/v0/users/current/?api_key=${fresh}`);
        await call(server.url, "DELETE", `/api/v0/auth/apikeys/${id}/`, { key: user.session });
      }
      await server.deps.usage.flush();
      const files = filesUnder(server.dataDir);
      expect(files.map((f) => f.path).some((p) => p.endsWith("latchkey.db"))).toBe(true);
      const logs = server.logs.join("");
      expect(logs).toContain("/api/v0/users/current");
      for (const secret of secrets) {
        // The random part alone is searched as well, so an encoding of the prefix cannot hide it.
        const needles = [secret, secret.slice(secret.indexOf("_") + 1)];
        for (const needle of needles) {
          for (const file of files)
            expect(file.bytes.includes(needle), `${file.path} holds a secret`).toBe(false);
          expect(logs.includes(needle), "the log holds a secret").toBe(false);
        }
      }
    } finally {
      await server.close();
    }
  });

  it("keeps the generated pepper and the database files private to the server's user", async () => {
    const server = await startTestServer();
    try {
      const { session } = await signUpAndLogIn(server.url);
      await createKey(server.url, session);
      for (const name of ["pepper", "latchkey.db", "latchkey.db-wal", "latchkey.db-shm"]) {
        expect(statSync(join(server.dataDir, name)).mode & 0o077, name).toBe(0);
      }
      expect(statSync(server.dataDir).mode & 0o077).toBe(0);
    } finally {
      await server.close();
    }
  });
});
