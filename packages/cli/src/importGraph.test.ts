import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { generateKey } from "@latchkey/core";
import { packagesAmong, recordImports } from "@latchkey/testkit";
import type { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { App } from "./app.js";
import { buildProgram, loadCommands, TOP_LEVEL_NAMES } from "./program.js";
import { BIN } from "./testing/cliProcess.js";

/**
 * Every command but `serve` starts without the server package or its heavy dependencies:
 * importing them takes most of a second (docs/benchmarks.md). Checked at run time, on the
 * built CLI, with a module hook that records every module resolved, so an import that reaches
 * them by any path (a re-export, a shared helper, a dynamic import in an action) is caught.
 */
const FORBIDDEN = ["@latchkey/server", "fastify", "pg", "better-sqlite3"];

const work = mkdtempSync(join(tmpdir(), "latchkey-import-graph-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let homes = 0;
/** Runs the built CLI with the recorder, in a home of its own. */
function recordCli(args: readonly string[]) {
  const home = join(work, `home-${++homes}`);
  mkdirSync(home);
  return recordImports(BIN, args, { env: { HOME: home, XDG_CONFIG_HOME: home } });
}

const forbidden = (modules: readonly string[]) => packagesAmong(modules, FORBIDDEN);

/** A path as rolldown names a bundled module (relative to the CLI), from the repository's root. */
function bundledPath(path: string): string {
  const dependency = path.indexOf("node_modules/");
  if (dependency !== -1) return path.slice(dependency);
  return path.startsWith("../") ? `packages/${path.slice("../".length)}` : `packages/cli/${path}`;
}

/** A port nothing listens on: the command fails fast with a connection error. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 1));
    });
  });
}

/** Every command line word pair of the program but serve, from the program itself. */
async function commands(): Promise<string[]> {
  const silent = { write: () => {}, isTTY: false };
  const io = {
    stdout: silent,
    stderr: silent,
    input: { isTTY: false, readLine: async () => null, readSecret: async () => null },
    env: {},
    cwd: work,
  };
  const names: string[] = [];
  const walk = (command: Command, path: string[]) => {
    // Leaves only; commander's implicit help command is not in .commands.
    if (command.commands.length === 0) names.push(path.join(" "));
    for (const child of command.commands) walk(child, [...path, child.name()]);
  };
  const loaded = await loadCommands(TOP_LEVEL_NAMES.filter((name) => name !== "serve"));
  walk(buildProgram(io, loaded, new App(io)), []);
  return names.filter((name) => name !== "serve");
}

describe("the CLI's import graph", () => {
  it("has none of the server's packages for --version, --help and each command's --help", async () => {
    const all = await commands();
    // The walk found the program's commands (a broken walk would check nothing).
    expect(all).toEqual(expect.arrayContaining(["show api-keys", "create webhook", "scan"]));
    const lines = [["--version"], ["--help"], ...all.map((c) => [...c.split(" "), "--help"])];
    const found: string[] = [];
    // A few at a time: each is a process of its own.
    for (let i = 0; i < lines.length; i += 4) {
      const results = await Promise.all(lines.slice(i, i + 4).map((args) => recordCli(args)));
      results.forEach((result, j) => {
        const args = (lines[i + j] ?? []).join(" ");
        expect(result.code, `latchkey ${args}: ${result.output}`).toBe(0);
        // The recorder saw the CLI's own modules, so an empty list means nothing (`--version`
        // alone loads only the entry's first import; the rest load the program).
        const own = args === "--version" ? "installed.js" : "program.js";
        expect(
          result.modules.some((m) => m.includes(`/packages/cli/bundle/${own}`)),
          args,
        ).toBe(true);
        const names = forbidden(result.modules);
        if (names.length > 0) found.push(`latchkey ${args}: ${names.join(", ")}`);
      });
    }
    expect(found).toEqual([]);
  }, 120_000);

  it("has none of them when a command runs", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const key = generateKey("lk");
    const show = await recordCli(["show", "api-keys", "--url", url, "--api-key", key]);
    // Exit 5: the connection was refused, after the command's whole code path had loaded.
    expect(show.code, show.output).toBe(5);
    const empty = join(work, "empty");
    mkdirSync(empty);
    const scan = await recordCli(["scan", empty]);
    expect(scan.code, scan.output).toBe(0);
    expect([...forbidden(show.modules), ...forbidden(scan.modules)]).toEqual([]);
  });

  it("has neither crypto nor zlib when a command only calls the API", async () => {
    // Each costs milliseconds of every start (docs/benchmarks.md, "CLI start"): key checksums are
    // computed without zlib, and the key file's random name is made without importing crypto.
    const url = `http://127.0.0.1:${await closedPort()}`;
    const show = await recordCli([
      "show",
      "api-keys",
      "--url",
      url,
      "--api-key",
      generateKey("lk"),
    ]);
    expect(show.code, show.output).toBe(5);
    const builtins = show.modules.map((line) => line.split("\t")[0]);
    // The recorder sees built-ins (not vacuous): the request's own module is among them.
    expect(builtins).toContain("node:http");
    expect(builtins.filter((name) => /^node:(crypto|zlib)$/.test(name ?? ""))).toEqual([]);
  });

  it("has none of them inside the bundle the commands run from", () => {
    // A package bundled into the CLI loads with every command, and the recorder, which sees
    // files, would not see it. rolldown heads each module it bundles with its path.
    const bundle = join(dirname(BIN), "..", "bundle");
    const bundled = readdirSync(bundle)
      .filter((file) => file.endsWith(".js"))
      .flatMap((file) => readFileSync(join(bundle, file), "utf8").match(/^\/\/ \S+\.js$/gm) ?? [])
      .map((line) => `\t/${bundledPath(line.slice("// ".length))}`);
    expect(packagesAmong(bundled, ["commander"])).toEqual(["commander"]);
    expect(bundled.filter((path) => path.includes("/packages/server/"))).toEqual([]);
    expect(forbidden(bundled)).toEqual([]);
  });

  it("has the server for serve, which the recorder sees", async () => {
    const result = await recordCli(["serve", "--help"]);
    expect(result.code).toBe(0);
    expect(result.output).toContain("--database-url");
    expect(forbidden(result.modules)).toEqual(
      expect.arrayContaining(["@latchkey/server", "fastify"]),
    );
  });
});
