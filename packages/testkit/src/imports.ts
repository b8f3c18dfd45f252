import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { tempDir } from "./server.js";

/**
 * Which modules a Node process loads: a module hook, preloaded with `--import`, records every
 * module resolved, so an import that reaches a package by any path (a re-export, a shared
 * helper, a dynamic import) is caught. Used to keep start-up lean: the CLI without the server,
 * a SQLite server without the PostgreSQL and Redis drivers.
 */

export interface RecordedRun {
  code: number | null;
  output: string;
  /** "specifier<TAB>resolved URL" per module resolved, "<TAB>path" per module require() loaded. */
  modules: string[];
}

const dir = tempDir("latchkey-imports");
process.once("exit", () => dir.remove());
// The hook runs on the loader's own thread: it appends "specifier<TAB>resolved URL" per line.
const HOOKS = join(dir.path, "hooks.mjs");
writeFileSync(
  HOOKS,
  `import { appendFileSync } from "node:fs";
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(file, specifier + "\\t" + resolved.url + "\\n");
  return resolved;
}
`,
);
// Registers the hook, and at exit adds what CommonJS loaded by require() alone (drivers such
// as pg load their own parts that way, past the ESM hook).
const REGISTER = join(dir.path, "register.mjs");
writeFileSync(
  REGISTER,
  `import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";
const file = process.env.RECORD_IMPORTS_FILE;
register(${JSON.stringify(pathToFileURL(HOOKS).href)}, import.meta.url, { data: { file } });
const cache = createRequire(import.meta.url).cache;
process.on("exit", () => {
  for (const path of Object.keys(cache)) appendFileSync(file, "\\t" + path + "\\n");
});
`,
);

let runs = 0;

/**
 * Runs `node <script> <args>` with the recorder and only the given environment (plus PATH).
 * With `stopWhen`, the process is sent SIGTERM once its output matches (a server that has
 * started), and its modules are read when it has exited.
 */
export function recordImports(
  script: string,
  args: readonly string[],
  options: { env?: Record<string, string>; stopWhen?: RegExp } = {},
): Promise<RecordedRun> {
  const file = join(dir.path, `run-${++runs}.txt`);
  writeFileSync(file, "");
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", REGISTER, script, ...args], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        ...options.env,
        RECORD_IMPORTS_FILE: file,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let stopping = false;
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      if (!stopping && options.stopWhen?.test(output)) {
        stopping = true;
        child.kill("SIGTERM");
      }
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.once("close", (code) =>
      resolve({ code, output, modules: readFileSync(file, "utf8").split("\n").filter(Boolean) }),
    );
  });
}

/**
 * Which of `names` the recorded modules hold, by specifier or by where a module resolved; a
 * workspace package (`@latchkey/server`) also by its folder, which the build imports directly.
 */
export function packagesAmong(modules: readonly string[], names: readonly string[]): string[] {
  const found = new Set<string>();
  for (const line of modules) {
    const [specifier = "", url = ""] = line.split("\t");
    for (const name of names) {
      const workspace = name.startsWith("@latchkey/")
        ? `/packages/${name.slice("@latchkey/".length)}/`
        : null;
      if (
        specifier === name ||
        specifier.startsWith(`${name}/`) ||
        url.includes(`/node_modules/${name}/`) ||
        (workspace !== null && url.includes(workspace))
      ) {
        found.add(name);
      }
    }
  }
  return [...found];
}
