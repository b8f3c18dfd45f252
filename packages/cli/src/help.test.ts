import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli } from "./testing/cliProcess.js";

const commands = [
  "set api-key",
  "create api-key",
  "show api-keys",
  "show api-key",
  "show usage",
  "show user",
  "show policy",
  "show audit-logs",
  "show permissions",
  "show sessions",
  "delete api-key",
  "reset api-key",
  "set policy",
  "end grace-window",
  "end session",
  "end sessions",
  "login",
  "logout",
  "scan",
  "serve",
  "backup",
  "restore",
];

describe("--help", () => {
  it("the root help lists the commands, the global options and the exit codes", async () => {
    const result = await runCli(["--help"]);
    expect(result.code).toBe(0);
    for (const option of ["--url", "--api-key", "--raw", "--explain", "--retry", "--no-color"]) {
      expect(result.stdout).toContain(option);
    }
    expect(result.stdout).toMatch(/Exit status:\n\s+0 +success/);
    for (const code of ["2  usage", "3  authentication", "4  not found", "5  server"]) {
      expect(result.stdout).toContain(code);
    }
  });

  it.each(commands)("%s --help shows usage and examples", async (command) => {
    const result = await runCli([...command.split(" "), "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: latchkey ${command}`);
    expect(result.stdout).toMatch(/Examples:\n(\s+# .+\n\s+\$ latchkey .+\n?)+/);
  });

  it("serve has a flag for every server setting", async () => {
    const { settings } = await import("@latchkey/server");
    const result = await runCli(["serve", "--help"]);
    for (const setting of settings) {
      expect(result.stdout).toContain(setting.flag);
      expect(result.stdout).toContain(setting.env);
    }
  });

  it("help serve and --url … serve --help show the same help as serve --help", async () => {
    // The CLI loads the server only for serve (see commands/serve.ts), whichever way it is asked.
    const direct = await runCli(["serve", "--help"]);
    expect(direct.stdout).toContain("--database-url");
    for (const args of [
      ["help", "serve"],
      ["--url", "http://127.0.0.1:1", "serve", "--help"],
    ]) {
      const result = await runCli(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(direct.stdout);
    }
  });

  it("backup and restore take the server's own data-dir setting", async () => {
    const { settings } = await import("@latchkey/server");
    const dataDir = settings.find((s) => s.key === "dataDir");
    for (const command of ["backup", "restore"]) {
      const help = (await runCli([command, "--help"])).stdout.replace(/\s+/g, " ");
      expect(help).toContain(`${dataDir?.flag} <dir>`);
      expect(help).toContain(`default: ${dataDir?.env}, then ${dataDir?.default}`);
    }
  });

  it("--version prints the package version", async () => {
    const { version } = JSON.parse(
      readFileSync(new URL("../package.json", import.meta.url), "utf8"),
    ) as { version: string };
    const result = await runCli(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(version);
    // Alone it is answered before the parser loads; with anything else the parser answers:
    // the same text either way.
    const parsed = await runCli(["--version", "--json"]);
    expect(parsed.code).toBe(0);
    expect(parsed.stdout).toBe(result.stdout);
    expect((await runCli(["-V"])).stdout).toBe(result.stdout);
  });

  it("output through a pipe has no colour escapes", async () => {
    const result = await runCli(["--help"]);
    expect(result.stdout).not.toContain("\u001b[");
  });
});
