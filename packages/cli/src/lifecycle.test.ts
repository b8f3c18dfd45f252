import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseKey } from "@latchkey/core";
import { call, tempDir } from "@latchkey/testkit";
import { describe, expect, it } from "vitest";
import { parseJson, runCli } from "./testing/cliProcess.js";
import { cliTestServer } from "./testing/cliTestServer.js";

interface Created {
  id: number;
  key: string;
  name: string;
  permissions: unknown;
  expires_at: string | null;
  key_params: unknown;
}

const t = cliTestServer();
const cli = (args: string[], input?: string) => t.cli(args, { input });

/** Status of an authenticated call with `key`: 200 while it works, 401 once it is gone. */
const statusWith = async (key: string) =>
  (await call(t.server.url, "GET", "/api/v0/users/current/", { key })).status;

describe("the key lifecycle through the real CLI process", () => {
  let saved: string;

  it("login reads email and password from piped stdin and saves a new key, 0600 in 0700", async () => {
    const result = await cli(["login"], `${t.account.email}\n${t.account.password}\n`);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Logged in as ${t.account.email}`);
    saved = readFileSync(t.home.keyFile, "utf8");
    // Exactly the key's bytes: a valid key, no newline.
    expect(parseKey(saved)).not.toBeNull();
    expect(saved).not.toMatch(/\s/);
    expect(statSync(t.home.keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(t.home.keyFile, "..")).mode & 0o777).toBe(0o700);
    expect(result.stdout + result.stderr).not.toContain(saved);
    expect(result.stdout + result.stderr).not.toContain(t.account.password);
    expect(await statusWith(saved)).toBe(200);
  });

  it("the saved key is named after the host, and the login session was ended", async () => {
    const keys = parseJson<{ apikeys: { id: number; name: string }[] }>(
      await cli(["show", "api-keys", "--raw"]),
    ).apikeys;
    expect(keys.map((k) => k.name)).toContain(
      `latchkey CLI on ${(await import("node:os")).hostname()}`,
    );
    const sessions = parseJson<{ sessions: { name: string; current: boolean }[] }>(
      await cli(["show", "sessions", "--raw"]),
    ).sessions;
    // signUpAndLogIn's own session remains; the CLI's login session does not.
    expect(sessions).toHaveLength(1);
  });

  it("show user answers with the account and the saved key's id", async () => {
    const user = parseJson<{ email: string; key_kind: string }>(
      await cli(["show", "user", "--raw"]),
    );
    expect(user.email).toBe(t.account.email);
    expect(user.key_kind).toBe("api");
    const human = await cli(["show", "user"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/Email:\s+\S+@example\.com/);
    expect(human.stdout).toMatch(/Created:\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC \(.+\)/);
  });

  let scoped: Created;

  it("create api-key with no permission option gives full access and prints the key once", async () => {
    const result = await cli(["create", "api-key", "--name", "laptop"]);
    expect(result.code, result.stderr).toBe(0);
    const key = /\b(lk_[0-9A-Za-z]{46})\b/.exec(result.stdout)?.[1];
    expect(key && parseKey(key)).toBeTruthy();
    expect(result.stdout).toContain("full access");
    expect(result.stdout).toMatch(/only time the key is shown: it cannot be retrieved later/);
    expect(await statusWith(key ?? "")).toBe(200);
  });

  it("create api-key --preset, --permissions and --permission_file scope the key", async () => {
    const preset = parseJson<Created>(
      await cli(["create", "api-key", "--name", "dash", "--preset", "read-only", "--raw"]),
    );
    expect(preset.permissions).toEqual({ api: { instance_read: {}, user_read: {} } });

    const tree = { api: { user_read: { "api.users.current": {} } } };
    scoped = parseJson<Created>(
      await cli([
        "create",
        "api-key",
        "--name",
        "me-only",
        "--permissions",
        JSON.stringify(tree),
        "--raw",
      ]),
    );
    expect(scoped.permissions).toEqual(tree);
    expect(await statusWith(scoped.key)).toBe(200);
    const denied = await call(t.server.url, "GET", "/api/v0/auth/apikeys/", { key: scoped.key });
    expect(denied.status).toBe(403);

    const dir = tempDir();
    try {
      const file = join(dir.path, "perms.json");
      writeFileSync(file, JSON.stringify({ api: { instance_read: {} } }));
      const fromFile = parseJson<Created>(
        await cli(["create", "api-key", "--name", "ci", "--permission_file", file, "--raw"]),
      );
      expect(fromFile.permissions).toEqual({ api: { instance_read: {} } });
    } finally {
      dir.remove();
    }
  });

  it("create api-key passes --key_params and --expires-at", async () => {
    const created = parseJson<Created>(
      await cli([
        "create",
        "api-key",
        "--name",
        "office",
        "--key_params",
        '{"ip_whitelist": ["127.0.0.1"]}',
        "--expires-at",
        "2099-01-31T00:00:00Z",
        "--raw",
      ]),
    );
    expect(created.key_params).toEqual({ ip_whitelist: ["127.0.0.1"] });
    expect(created.expires_at).toBe("2099-01-31T00:00:00.000Z");
  });

  it("show api-keys prints an aligned table without secrets; --raw is the server's JSON", async () => {
    const human = await cli(["show", "api-keys"]);
    expect(human.code).toBe(0);
    const lines = human.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+NAME\s+KEY\s+PERMISSIONS\s+CREATED\s+LAST USED\s+EXPIRES$/);
    // Aligned: every row's NAME column starts where the header's does.
    const nameColumn = lines[0]?.indexOf("NAME") ?? -1;
    for (const line of lines.slice(1)) expect(line.charAt(nameColumn - 1)).toBe(" ");
    expect(human.stdout).toContain("me-only");
    expect(human.stdout).not.toContain(scoped.key);
    expect(human.stdout).toContain(`…${scoped.key.slice(-4)}`);
    expect(human.stdout).toContain("never");

    const raw = parseJson<{ apikeys: { id: number }[] }>(await cli(["show", "api-keys", "--raw"]));
    expect(Object.keys(raw)).toEqual(["apikeys"]);
    expect(raw.apikeys.map((k) => k.id)).toContain(scoped.id);
  });

  it("show api-keys --limit/--after pages the list, and the note names the next page", async () => {
    const all = parseJson<{ apikeys: { id: number }[] }>(
      await cli(["show", "api-keys", "--raw"]),
    ).apikeys.map((k) => k.id);
    expect(all.length).toBeGreaterThan(1);
    const first = await cli(["show", "api-keys", "--limit", "1"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`latchkey show api-keys --limit 1 --after ${all[0]}`);
    const raw = parseJson<{ apikeys: { id: number }[]; next_after: number | null }>(
      await cli(["show", "api-keys", "--limit", "1", "--after", String(all[0]), "--raw"]),
    );
    expect(raw.apikeys.map((k) => k.id)).toEqual([all[1]]);
    const last = parseJson<{ apikeys: { id: number }[]; next_after: number | null }>(
      await cli(["show", "api-keys", "--after", String(all.at(-2)), "--raw"]),
    );
    expect(last).toMatchObject({ next_after: null });
    expect(last.apikeys.map((k) => k.id)).toEqual([all.at(-1)]);
    const bad = await cli(["show", "api-keys", "--limit", "0"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("--limit");
  });

  it("show api-key ID shows one key; a missing id exits 4", async () => {
    const one = await cli(["show", "api-key", String(scoped.id)]);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/Name:\s+me-only/);
    expect(one.stdout).toContain("api.users.current");
    const missing = await cli(["show", "api-key", "999999"]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain("not found");
    expect(missing.stderr).toContain("hint:");
  });

  it("reset api-key ID gives a new secret; the old one gets 401 at once", async () => {
    const result = await cli(["reset", "api-key", String(scoped.id), "--raw"]);
    expect(result.code, result.stderr).toBe(0);
    const reset = parseJson<Created>(result);
    expect(reset.id).toBe(scoped.id);
    expect(reset.key).not.toBe(scoped.key);
    expect(await statusWith(scoped.key)).toBe(401);
    expect(await statusWith(reset.key)).toBe(200);
    // The key file held another key, which still works and was not touched.
    expect(readFileSync(t.home.keyFile, "utf8")).toBe(saved);
    scoped = reset;
  });

  it("reset api-key without --save on a pipe leaves the key file and says so", async () => {
    const other = parseJson<Created>(await cli(["create", "api-key", "--name", "tmp", "--raw"]));
    const result = await runCli(["reset", "api-key"], {
      env: t.env({ LATCHKEY_API_KEY: other.key }),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("LATCHKEY_API_KEY holds the old key");
    expect(await statusWith(other.key)).toBe(401);
    expect(readFileSync(t.home.keyFile, "utf8")).toBe(saved);
  });

  it("reset api-key --save resets the key in use and writes the new one to the key file", async () => {
    const result = await cli(["reset", "api-key", "--save"]);
    expect(result.code, result.stderr).toBe(0);
    const now = readFileSync(t.home.keyFile, "utf8");
    expect(now).not.toBe(saved);
    expect(parseKey(now)).not.toBeNull();
    expect(result.stdout).toContain(now);
    expect(statSync(t.home.keyFile).mode & 0o777).toBe(0o600);
    expect(await statusWith(saved)).toBe(401);
    expect(await statusWith(now)).toBe(200);
    saved = now;
  });

  it("delete api-key refuses without --yes when stdin is not a terminal, and deletes with it", async () => {
    const refused = await cli(["delete", "api-key", String(scoped.id)]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--yes");
    expect(await statusWith(scoped.key)).toBe(200);

    const deleted = await cli(["delete", "api-key", String(scoped.id), "--yes"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(await statusWith(scoped.key)).toBe(401);
  });

  it("show audit-logs lists the key events; --raw is JSON", async () => {
    const logs = parseJson<{ audit_logs: { action: string; api_key_id: number | null }[] }>(
      await cli(["show", "audit-logs", "--raw"]),
    ).audit_logs;
    const actions = new Set(logs.map((l) => l.action));
    for (const action of ["api_key.create", "api_key.reset", "api_key.delete"]) {
      expect(actions).toContain(action);
    }
    const human = await cli(["show", "audit-logs", "--action", "api_key.delete"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^ID\s+TIME\s+ACTION/);
    expect(human.stdout).toContain("api_key.delete");
    expect(human.stdout).not.toContain("api_key.create");
  });

  it("show permissions prints the categories, their routes and the presets", async () => {
    const human = await cli(["show", "permissions"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("user_write");
    expect(human.stdout).toContain("api.apikeys.create");
    expect(human.stdout).toContain("read-only");
    const raw = parseJson<{ categories: { name: string }[] }>(
      await cli(["show", "permissions", "--raw"]),
    );
    expect(raw.categories.map((c) => c.name)).toContain("instance_read");
  });

  it("logout deletes the saved key on the server and removes the file", async () => {
    const result = await cli(["logout"]);
    expect(result.code, result.stderr).toBe(0);
    expect(() => statSync(t.home.keyFile)).toThrow();
    expect(await statusWith(saved)).toBe(401);
    const again = await cli(["logout"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Not logged in");
  });

  it("a wrong password fails with exit 3 and writes no key file", async () => {
    const result = await cli(["login", "--email", t.account.email], "not the password\n");
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("email or password");
    expect(() => statSync(t.home.keyFile)).toThrow();
  });
});
