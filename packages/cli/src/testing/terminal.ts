import { spawn } from "node:child_process";
import { BIN, type CliEnv } from "./cliProcess.js";

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

export interface TerminalStep {
  /** Wait until the screen shows this… */
  waitFor: RegExp;
  /** …then type this (a carriage return is Enter). */
  send: string;
}

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), so stdin and stdout are TTYs as for a
 * person: prompts appear, echo is the terminal's. Returns everything the terminal showed.
 */
export function runInTerminal(
  args: readonly string[],
  options: { env?: CliEnv; steps?: readonly TerminalStep[] } = {},
): Promise<{ code: number | null; screen: string }> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", TERM: "xterm" };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value !== undefined) env[name] = value;
  }
  const command = [process.execPath, BIN, ...args].map(quote).join(" ");
  const child = spawn("script", ["-q", "-e", "-c", command, "/dev/null"], {
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
