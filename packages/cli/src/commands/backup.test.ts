import {
  chmodSync,
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import {
  call,
  createKey,
  type ServerProcess,
  signUpAndLogIn,
  spawnServer,
  tempDir,
} from "@latchkey/testkit";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../testing/cliProcess.js";

/**
 * `latchkey backup` and `latchkey restore` against the real server process, as an operator
 * runs them: the copy is taken while the server writes, checked as SQLite checks files, and
 * restored into a data dir a server then serves the keys from.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function dir(label: string) {
  const made = tempDir(label);
  cleanups.push(() => made.remove());
  return made.path;
}

async function serve(dataDir: string): Promise<ServerProcess> {
  const server = await spawnServer({ LATCHKEY_DATA_DIR: dataDir });
  cleanups.push(() => server.stop());
  return server;
}

const mode = (file: string) => statSync(file).mode & 0o777;
const status = async (url: string, key: string) =>
  (await call(url, "GET", "/api/v0/users/current/", { key })).status;

describe("latchkey backup", () => {
  it("copies a server's database under write load: intact, private, with every key acknowledged before it", async () => {
    const data = dir("latchkey-data");
    const server = await serve(data);
    const { session } = await signUpAndLogIn(server.url);
    const acknowledged: { id: number; key: string; at: number }[] = [];
    let writing = true;
    const writer = async () => {
      while (writing) {
        const created = await createKey(server.url, session, { name: "load" });
        acknowledged.push({ ...created, at: performance.now() });
      }
    };
    const writers = [writer(), writer()];
    while (acknowledged.length < 40) await new Promise((wake) => setTimeout(wake, 20));

    const file = join(dir("latchkey-backups"), "latchkey.db");
    const startedAt = performance.now();
    const result = await runCli(["backup", file, "--data-dir", data]);
    const during = acknowledged.filter((k) => k.at > startedAt).length;
    writing = false;
    await Promise.all(writers);

    expect(result.code, result.stderr).toBe(0);
    // The server kept writing while the copy was taken.
    expect(during).toBeGreaterThan(0);
    expect(result.stdout).toContain(`Backed up ${join(data, "latchkey.db")} to ${file}`);
    expect(result.stdout).toContain(`latchkey restore ${file} --data-dir ${data}`);
    expect(result.stdout).toContain(`keep ${join(data, "pepper")} apart from the backup`);
    expect(mode(file)).toBe(0o600);
    // One self-contained file: no WAL beside it, nothing left half-written.
    expect(readdirSync(join(file, ".."))).toEqual(["latchkey.db"]);

    const before = acknowledged.filter((k) => k.at < startedAt);
    const copy = new Database(file, { readonly: true });
    try {
      expect(copy.pragma("integrity_check", { simple: true })).toBe("ok");
      expect(copy.pragma("journal_mode", { simple: true })).toBe("delete");
      const live = new Set(
        (
          copy.prepare("select id from api_keys where deleted_at is null").all() as { id: number }[]
        ).map((r) => r.id),
      );
      expect(before.filter((k) => !live.has(k.id))).toEqual([]);
    } finally {
      copy.close();
    }

    // Restored elsewhere, with the pepper brought over apart from it, a server accepts them all.
    const elsewhere = dir("latchkey-restored");
    copyFileSync(join(data, "pepper"), join(elsewhere, "pepper"));
    chmodSync(join(elsewhere, "pepper"), 0o600);
    const restored = await runCli(["restore", file, "--data-dir", elsewhere, "--yes"]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stderr).toContain(
      "there was no database to take later deletes and resets from",
    );
    expect(mode(join(elsewhere, "latchkey.db"))).toBe(0o600);
    const second = await serve(elsewhere);
    for (const { key } of before) {
      const verdict = await call<{ code: string }>(second.url, "POST", "/api/v0/auth/verify/", {
        body: { key },
      });
      expect(verdict.body.code).toBe("VALID");
    }
  }, 120_000);

  it("refuses to replace a file without --force, and makes it private with it", async () => {
    const data = dir("latchkey-data");
    const server = await serve(data);
    await signUpAndLogIn(server.url);
    const file = join(dir("latchkey-backups"), "existing.db");
    writeFileSync(file, "keep me", { mode: 0o644 });
    const refused = await runCli(["backup", file, "--data-dir", data]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${file} already exists; nothing was written`);
    expect(refused.stderr).toContain("--force");
    expect(readFileSync(file, "utf8")).toBe("keep me");
    const forced = await runCli(["backup", file, "--data-dir", data, "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(mode(file)).toBe(0o600);
    expect(readFileSync(file).subarray(0, 15).toString()).toBe("SQLite format 3");
  });

  it("finds the database through LATCHKEY_DATA_DIR, relative to where it runs, as the server does", async () => {
    const parent = dir("latchkey-parent");
    const data = join(parent, "state");
    const server = await serve(data);
    await signUpAndLogIn(server.url);
    const made = await runCli(["backup", "copy.db", "--raw"], {
      cwd: parent,
      env: { LATCHKEY_DATA_DIR: "state" },
    });
    expect(made.code, made.stderr).toBe(0);
    const answer = JSON.parse(made.stdout) as Record<string, unknown>;
    expect(answer).toMatchObject({
      file: join(parent, "copy.db"),
      source: join(data, "latchkey.db"),
    });
    expect(answer.bytes).toBeGreaterThan(0);
  });

  it("names the directory it looked in when there is no database, and creates nothing", async () => {
    const empty = join(dir("latchkey-empty"), "nothing-here");
    const file = join(dir("latchkey-backups"), "copy.db");
    const result = await runCli(["backup", file, "--data-dir", empty]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `there is no Latchkey database at ${join(empty, "latchkey.db")}`,
    );
    expect(result.stderr).toContain("LATCHKEY_DATA_DIR");
    expect(existsSync(empty)).toBe(false);
    expect(existsSync(file)).toBe(false);
  });

  it("on PostgreSQL explains pg_dump instead of pretending, without echoing the URL", async () => {
    const file = join(dir("latchkey-backups"), "copy.db");
    const result = await runCli(["backup", file], {
      env: {
        LATCHKEY_DATABASE_URL: "postgres://latchkey:hunter2-secret@db.internal/latchkey",
        LATCHKEY_DATABASE_SCHEMA: "latchkey",
      },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'pg_dump --format=custom --schema=latchkey "$LATCHKEY_DATABASE_URL"',
    );
    expect(result.stderr).toContain("LATCHKEY_PEPPER");
    expect(result.stderr).not.toContain("hunter2");
    expect(existsSync(file)).toBe(false);
    const restore = await runCli(["restore", file, "--yes"], {
      env: { LATCHKEY_DATABASE_URL: "postgres://latchkey:hunter2-secret@db.internal/latchkey" },
    });
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain("pg_restore");
  });
});

describe("latchkey restore", () => {
  it("keeps keys deleted or reset since the backup revoked, and the replaced database aside", async () => {
    const data = dir("latchkey-data");
    let server = await serve(data);
    const { session, email, password } = await signUpAndLogIn(server.url);
    const deleted = await createKey(server.url, session);
    const reset = await createKey(server.url, session);
    const kept = await createKey(server.url, session);
    const file = join(dir("latchkey-backups"), "latchkey.db");
    expect((await runCli(["backup", file, "--data-dir", data])).code).toBe(0);

    expect(
      (await call(server.url, "DELETE", `/api/v0/auth/apikeys/${deleted.id}/`, { key: session }))
        .status,
    ).toBe(200);
    const renewed = await call<{ key: string }>(
      server.url,
      "POST",
      `/api/v0/auth/apikeys/${reset.id}/reset/`,
      { key: session },
    );
    expect(renewed.status).toBe(200);
    const later = await createKey(server.url, session);
    const relogin = await call(server.url, "POST", "/api/v0/auth/login/", {
      body: { email, password },
    });
    expect(relogin.status).toBe(200);

    // Not while the server has the database open.
    const busy = await runCli(["restore", file, "--data-dir", data, "--yes"]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain("is open in another process; nothing was changed");
    expect(busy.stderr).toContain("stop the server");
    expect(await status(server.url, later.key)).toBe(200);
    // Not unasked from a script.
    const unasked = await runCli(["restore", file, "--data-dir", data]);
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toContain("--yes");

    await server.stop();
    const result = await runCli(["restore", file, "--data-dir", data, "--yes"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("1 deletion and 1 reset made since the backup");
    expect(result.stderr).toContain("1 key was created after the backup");
    // The login since is not called a lost key: its user logs in again.
    expect(result.stdout).toContain("1 login session since the backup is not in it");
    const aside = readdirSync(data).filter((name) =>
      name.startsWith("latchkey.db.before-restore-"),
    );
    expect(aside).toHaveLength(1);
    expect(mode(join(data, aside[0] ?? ""))).toBe(0o600);
    expect(mode(join(data, "latchkey.db"))).toBe(0o600);

    server = await serve(data);
    expect(await status(server.url, deleted.key)).toBe(401);
    expect(await status(server.url, reset.key)).toBe(401);
    expect(await status(server.url, renewed.body.key)).toBe(200);
    expect(await status(server.url, kept.key)).toBe(200);
    expect(await status(server.url, session)).toBe(200);
    // Created after the backup: not in it.
    expect(await status(server.url, later.key)).toBe(401);
  }, 120_000);
});
