import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "@latchkey/testkit";

/** The CLI's command script, what `npx latchkey` runs; the tests' globalSetup builds it first. */
export const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "latchkey.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export type CliEnv = Record<string, string | undefined>;

/**
 * Runs `node bin/latchkey.js …` as a separate process with only the given environment (plus PATH),
 * so nothing of the test runner's own LATCHKEY_* or HOME leaks in. stdin is a pipe holding
 * `input` (empty by default): never a terminal. Asynchronous, because the server under test
 * usually runs in this very process and must keep answering meanwhile.
 */
export function runCli(
  args: readonly string[],
  options: { env?: CliEnv; input?: string | Buffer; cwd?: string } = {},
): Promise<CliResult> {
  return collect(spawn(process.execPath, [BIN, ...args], spawnOptions(options)), options.input);
}

function spawnOptions(options: { env?: CliEnv; cwd?: string }) {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value !== undefined) env[name] = value;
  }
  return { env, cwd: options.cwd ?? process.cwd(), stdio: "pipe" as const };
}

const quoted = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

/**
 * runCli with arguments given as bytes where wanted, for what spawn cannot pass: bytes that are
 * not UTF-8. A shell's printf makes them, so the CLI gets them as a terminal would hand them.
 */
export function runCliWithByteArgs(
  args: readonly (string | Buffer)[],
  options: { env?: CliEnv; input?: string | Buffer } = {},
): Promise<CliResult> {
  const words = [process.execPath, BIN, ...args].map((arg) =>
    typeof arg === "string"
      ? quoted(arg)
      : `"$(printf '${[...arg].map((b) => `\\${b.toString(8).padStart(3, "0")}`).join("")}')"`,
  );
  return collect(
    spawn("/bin/sh", ["-c", `exec ${words.join(" ")}`], spawnOptions(options)),
    options.input,
  );
}

function collect(child: ChildProcessWithoutNullStreams, input: string | Buffer | undefined) {
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.end(input ?? "");
  return new Promise<CliResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export interface CliHome {
  /** HOME and XDG_CONFIG_HOME of the CLI under test, both in a temp dir. */
  env: { HOME: string; XDG_CONFIG_HOME: string };
  /** Where the CLI keeps its key: $XDG_CONFIG_HOME/latchkey/api_key. */
  keyFile: string;
  remove(): void;
}

export function cliHome(): CliHome {
  const dir = tempDir("latchkey-cli");
  const home = join(dir.path, "home");
  const config = join(dir.path, "config");
  mkdirSync(home);
  mkdirSync(config);
  return {
    env: { HOME: home, XDG_CONFIG_HOME: config },
    keyFile: join(config, "latchkey", "api_key"),
    remove: dir.remove,
  };
}

/** Parses stdout as JSON, failing with the whole output when it is not. */
export function parseJson<T = Record<string, unknown>>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(
      `stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`,
    );
  }
}
