import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { BIN, type CliEnv } from "./cliProcess.js";

/**
 * Python's pty.spawn copies the terminal's output until the kernel reports its end (EIO), so
 * the last lines of a fast-exiting command are never lost (util-linux `script` can lose them).
 * The system Python, not a version manager's shim, which would need the real HOME.
 */
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const SPAWN_ON_PTY =
  "import os, pty, sys; sys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))";

export interface TerminalStep {
  /** Wait until the screen shows this… */
  waitFor: RegExp;
  /** …then type this (a carriage return is Enter); bytes as given, UTF-8 or not. */
  send: string | Buffer;
}

/**
 * Runs the CLI on a pseudo-terminal, so stdin and stdout are TTYs as for a person: prompts
 * appear, echo is the terminal's (on). Returns everything the terminal showed.
 */
export function runInTerminal(
  args: readonly string[],
  options: { env?: CliEnv; steps?: readonly TerminalStep[] } = {},
): Promise<{ code: number | null; screen: string }> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", TERM: "xterm" };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value !== undefined) env[name] = value;
  }
  const child = spawn(PYTHON, ["-c", SPAWN_ON_PTY, process.execPath, BIN, ...args], {
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const steps = [...(options.steps ?? [])];
  let screen = "";
  let seen = 0;
  const advance = () => {
    const step = steps[0];
    if (step === undefined) return;
    const match = step.waitFor.exec(screen.slice(seen));
    if (match === null) return;
    seen += match.index + match[0].length;
    steps.shift();
    child.stdin.write(step.send);
    advance();
  };
  const onData = (chunk: Buffer) => {
    screen += chunk.toString("utf8");
    advance();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`terminal session did not finish; it showed:\n${screen}`));
    }, 25_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, screen });
    });
  });
}
