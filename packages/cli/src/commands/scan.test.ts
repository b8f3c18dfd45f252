import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { generateKey } from "@latchkey/core";
import { tempDir } from "@latchkey/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseJson, runCli } from "../testing/cliProcess.js";

const exec = promisify(execFile);

/** A key-shaped string whose checksum is wrong: the last character changed. */
function lookAlike(): string {
  const key = generateKey();
  return key.slice(0, -1) + (key.endsWith("a") ? "b" : "a");
}

let dir: { path: string; remove(): void };
beforeEach(() => {
  dir = tempDir("latchkey-scan");
});
afterEach(() => dir.remove());

const scan = (args: string[]) =>
  runCli(["scan", ...args], { cwd: dir.path, env: { HOME: dir.path } });

describe("scan PATH...", () => {
  it("finds a planted key, prints file:line with only prefix…last4, and exits 1", async () => {
    const key = generateKey();
    mkdirSync(join(dir.path, "config"));
    writeFileSync(join(dir.path, "config", "app.env"), `PORT=1\nLATCHKEY_API_KEY=${key}\n`);
    writeFileSync(join(dir.path, "README"), "nothing here\n");
    const result = await scan([]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`config/app.env:2:18  lk_…${key.slice(-4)}\n`);
    expect(result.stdout + result.stderr).not.toContain(key);
    expect(result.stderr).toContain("Found 1 Latchkey key in 1 file");
  });

  it("ignores look-alikes whose checksum is wrong, and exits 0", async () => {
    writeFileSync(join(dir.path, "fixture.ts"), `const example = "${lookAlike()}";\n`);
    const result = await scan(["fixture.ts"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("No Latchkey keys found in 1 file");
  });

  it("finds keys of any prefix, in several files; --raw is JSON", async () => {
    const custom = generateKey("acme");
    const plain = generateKey();
    writeFileSync(join(dir.path, "a.json"), JSON.stringify({ token: custom }));
    writeFileSync(join(dir.path, "b.yaml"), `one: ${lookAlike()}\ntwo: ${plain}\n`);
    const result = await scan(["a.json", "b.yaml", "--raw"]);
    expect(result.code).toBe(1);
    const report = parseJson<{ findings: { file: string; line: number; redacted: string }[] }>(
      result,
    );
    expect(report.findings).toEqual([
      expect.objectContaining({ file: "a.json", line: 1, redacted: `acme_…${custom.slice(-4)}` }),
      expect.objectContaining({ file: "b.yaml", line: 2, redacted: `lk_…${plain.slice(-4)}` }),
    ]);
    expect(result.stdout).not.toContain(custom);
    expect(result.stdout).not.toContain(plain);
  });

  it("skips node_modules and .git inside a directory it walks", async () => {
    for (const skipped of ["node_modules", ".git"]) {
      mkdirSync(join(dir.path, skipped));
      writeFileSync(join(dir.path, skipped, "x"), generateKey());
    }
    expect((await scan(["."])).code).toBe(0);
  });

  it("a path that does not exist is a usage error", async () => {
    expect((await scan(["no-such-file"])).code).toBe(2);
  });
});

describe("scan --staged and --install-hook", () => {
  const git = (...args: string[]) => exec("git", args, { cwd: dir.path });

  beforeEach(async () => {
    await git("init", "-q");
    await git("config", "user.email", "test@example.com");
    await git("config", "user.name", "test");
    await git("config", "commit.gpgsign", "false");
  });

  it("reads what is staged, not what is on disk", async () => {
    const key = generateKey();
    writeFileSync(join(dir.path, "clean.txt"), "clean\n");
    writeFileSync(join(dir.path, "unstaged.txt"), `${key}\n`);
    await git("add", "clean.txt");
    const clean = await scan(["--staged"]);
    expect(clean.code, clean.stderr).toBe(0);

    writeFileSync(join(dir.path, "secret.txt"), `x\ny\nkey: ${key}\n`);
    await git("add", "secret.txt");
    // The working copy no longer has it; the index still does.
    writeFileSync(join(dir.path, "secret.txt"), "removed\n");
    const staged = await scan(["--staged"]);
    expect(staged.code).toBe(1);
    expect(staged.stdout).toBe(`secret.txt:3:6  lk_…${key.slice(-4)}\n`);
    expect(staged.stdout + staged.stderr).not.toContain(key);
  });

  it("outside a git work tree it fails with a usage error", async () => {
    const elsewhere = tempDir();
    try {
      const result = await runCli(["scan", "--staged"], { cwd: elsewhere.path, env: {} });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("git");
    } finally {
      elsewhere.remove();
    }
  });

  it("installs a pre-commit hook that refuses a commit holding a key", async () => {
    const installed = await scan(["--install-hook"]);
    expect(installed.code, installed.stderr).toBe(0);
    const hook = join(dir.path, ".git", "hooks", "pre-commit");
    expect(statSync(hook).mode & 0o777).toBe(0o755);
    expect(readFileSync(hook, "utf8")).toContain("scan --staged");

    writeFileSync(join(dir.path, "ok.txt"), "fine\n");
    await git("add", "ok.txt");
    await git("commit", "-q", "-m", "clean commit");

    writeFileSync(join(dir.path, "leak.txt"), `${generateKey()}\n`);
    await git("add", "leak.txt");
    await expect(git("commit", "-q", "-m", "leak")).rejects.toThrow(/Found 1 Latchkey key/);
    const { stdout } = await git("log", "--oneline");
    expect(stdout.trim().split("\n")).toHaveLength(1);
  });

  it("leaves a pre-commit hook it did not write alone, unless --force", async () => {
    const hook = join(dir.path, ".git", "hooks", "pre-commit");
    mkdirSync(join(dir.path, ".git", "hooks"), { recursive: true });
    writeFileSync(hook, "#!/bin/sh\nexit 0\n");
    chmodSync(hook, 0o755);
    const refused = await scan(["--install-hook"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("--force");
    expect(readFileSync(hook, "utf8")).toBe("#!/bin/sh\nexit 0\n");
    const forced = await scan(["--install-hook", "--force"]);
    expect(forced.code).toBe(0);
    expect(readFileSync(hook, "utf8")).toContain("scan --staged");
  });
});
