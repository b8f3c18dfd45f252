import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { type ReadmeCommand, shBlock } from "./readmeCommands.js";
import { sqlitePrebuild } from "./sqlitePrebuild.js";

/**
 * What a new user meets first, in a fresh clone: `npm ci && npm start`, `npx latchkey --help`,
 * the README's curl walk-through and the CLI README's commands, each run as the READMEs write
 * it, read from the clone's own README files (so the test cannot drift from them).
 *
 * The clone is of the committed HEAD, not of the working copy: on CI that is the commit under
 * test; a developer's uncommitted changes are not part of it (a note says so when there are
 * some), so commit before trusting this test. `npm test` itself is not run here (this test is
 * part of it); everything else in the READMEs' command blocks is, and a command this test does
 * not know how to run fails it instead of being skipped silently.
 *
 * What differs from a person at a terminal, and why:
 * - Servers listen on `LATCHKEY_PORT=0` (documented: any free port, which is logged) rather
 *   than 8080, which may be taken on the machine running the tests; the CLI is pointed at that
 *   port with `LATCHKEY_URL`, and in the walk-through's `B=http://127.0.0.1:8080/api/v0` the
 *   port is replaced by the chosen one.
 * - The walk-through's placeholders (`SESSION=lks_...`, `KEY=lk_...`) are set to the field of
 *   the previous answer that their comment names ("the session_key from the answer"). `ID=2`
 *   is kept as written, and the test checks that it is the id the server gave the key.
 * - The CLI README's example key id (12 in "Rotating a key") stands for a key of the reader's:
 *   it is replaced by the id of the `ci` key its Getting started created.
 * - `npx latchkey login` reads the email and password from stdin (not a terminal here), those
 *   the walk-through signed up with; the key file goes under a temp `XDG_CONFIG_HOME`.
 * - `... &` starts the command in the background as the test's own child, stopped at the end.
 * - npm is told to prefer its cache (`npm_config_prefer_offline`), to spare the registry.
 * - better-sqlite3's build comes from the checkout running the test, where a user's machine
 *   would download it (sqlitePrebuild.ts says why and how).
 * - The environment is the test runner's without what `npm test` and Vitest add (npm_*,
 *   NODE_ENV, node_modules/.bin on PATH: that would hand the outer checkout's `latchkey` to
 *   npx) and without LATCHKEY_* settings.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const git = (...args: string[]) =>
  execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
const HEAD = git("rev-parse", "HEAD");
const UNCOMMITTED = git("status", "--porcelain") !== "";

const WORK = mkdtempSync(join(tmpdir(), "latchkey-fresh-clone-"));
const CLONE = join(WORK, "latchkey");
const CONFIG_HOME = join(WORK, "config");
const README = join(CLONE, "README.md");
const CLI_README = join(CLONE, "packages", "cli", "README.md");

/** `npm ci` builds everything, and better-sqlite3 may still compile from source: minutes. */
const INSTALL_DEADLINE_MS = 30 * 60_000;
const COMMAND_DEADLINE_MS = 3 * 60_000;

const NOT_INHERITED =
  /^(npm_(?!config_(cache|registry)$)|INIT_CWD$|NODE_ENV$|NODE_OPTIONS$|VITEST|LATCHKEY_|XDG_CONFIG_HOME$|FORCE_COLOR$|NO_COLOR$)/i;

/** A user's shell environment (see above), plus `extra`. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !NOT_INHERITED.test(name)) env[name] = value;
  }
  env.PATH = (process.env.PATH ?? "/usr/bin:/bin")
    .split(delimiter)
    .filter((dir) => !dir.split(/[\\/]/).includes("node_modules"))
    .join(delimiter);
  env.XDG_CONFIG_HOME = CONFIG_HOME;
  return { ...env, ...extra };
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one README command with `sh -c`, as a reader's shell would. */
function run(
  command: string,
  options: { env: NodeJS.ProcessEnv; cwd?: string; input?: string },
): Promise<Result> {
  const child = spawn("sh", ["-c", command], {
    cwd: options.cwd ?? CLONE,
    env: options.env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.end(options.input ?? "");
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`'${command}' did not finish in time:\n${stdout}${stderr}`));
    }, COMMAND_DEADLINE_MS);
    child.once("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

interface Background {
  command: string;
  child: ChildProcess;
  output(): string;
}

const backgrounds: Background[] = [];

/** Starts `command` (a README line's `... &`) in its own process group, output collected. */
function background(command: string, env: NodeJS.ProcessEnv): Background {
  const child = spawn("sh", ["-c", command], {
    cwd: CLONE,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  const started = { command, child, output: () => out };
  backgrounds.push(started);
  return started;
}

const groupAlive = (pid: number) => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** SIGTERM to the whole group (npm, sh and the server), SIGKILL if it outstays 30 s. */
async function stop(started: Background): Promise<void> {
  const pid = started.child.pid;
  if (pid === undefined || !groupAlive(pid)) return;
  process.kill(-pid, "SIGTERM");
  try {
    await waitFor(
      () => !groupAlive(pid),
      30_000,
      () => `'${started.command}' did not stop`,
    );
  } finally {
    if (groupAlive(pid)) process.kill(-pid, "SIGKILL");
  }
}

async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  deadlineMs: number,
  explain: () => string,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(explain());
    await new Promise((wake) => setTimeout(wake, 250));
  }
}

/** The port a server started in the background logs, then its /healthz answering "ok". */
async function listening(started: Background, deadlineMs: number): Promise<string> {
  const port = await waitFor(
    () => {
      const match = /Latchkey is listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(started.output());
      if (match) return match[1];
      if (started.child.exitCode !== null || started.child.signalCode !== null) {
        throw new Error(`'${started.command}' exited:\n${started.output()}`);
      }
      return undefined;
    },
    deadlineMs,
    () => `'${started.command}' did not log its port:\n${started.output()}`,
  );
  const url = `http://127.0.0.1:${port}`;
  const health = await fetch(`${url}/healthz`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: "ok" });
  return url;
}

/** HTTP status of GET /users/current/ with `bearer`: the check that a secret works (or not). */
async function statusWith(url: string, bearer: string): Promise<number> {
  const answer = await fetch(`${url}/api/v0/users/current/`, {
    headers: { authorization: `Bearer ${bearer}` },
  });
  await answer.arrayBuffer();
  return answer.status;
}

afterAll(async () => {
  for (const started of backgrounds) await stop(started);
  rmSync(WORK, { recursive: true, force: true });
});

describe(`a fresh clone of the committed HEAD (${HEAD.slice(0, 12)}), used as the READMEs say`, () => {
  let apiUrl = "";
  let npmStart: Background | undefined;
  /** The account the walk-through signs up, which the CLI README then logs in with. */
  let account = { email: "", password: "" };

  it(
    "Quick start: `npm ci && npm start` installs, builds and serves",
    async () => {
      if (UNCOMMITTED) {
        process.stderr.write(
          `freshClone.test.ts: testing the committed HEAD ${HEAD}; uncommitted changes in ${ROOT} are not part of this test\n`,
        );
      }
      execFileSync("git", ["clone", "--quiet", "--no-checkout", ROOT, CLONE]);
      execFileSync("git", ["-C", CLONE, "checkout", "--quiet", "--detach", HEAD]);
      mkdirSync(CONFIG_HOME);

      let start: ReadmeCommand | undefined;
      for (const line of shBlock(README, "Quick start")) {
        if (/\bnpm test\b/.test(line.command)) continue; // this suite itself: it would recurse
        if (!/\bnpm start\b/.test(line.command)) {
          throw new Error(`Quick start has a command this test does not run: ${line.text}`);
        }
        start = line;
      }
      if (start === undefined) throw new Error("Quick start has no `npm start` line");
      expect(start.command).toMatch(/^npm ci && /); // a fresh clone: the install is part of it

      // npm's own setting for --prefer-offline: the command stays as written, the cache is used.
      const install = {
        LATCHKEY_PORT: "0",
        npm_config_prefer_offline: "true",
        ...sqlitePrebuild(WORK),
      };
      npmStart = background(start.command, userEnv(install));
      apiUrl = await listening(npmStart, INSTALL_DEADLINE_MS);

      // "API and console on …, SQLite under ./data"
      const page = await fetch(`${apiUrl}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await page.text()).toContain('<div id="root">');
      expect(existsSync(join(CLONE, "data", "latchkey.db"))).toBe(true);
    },
    INSTALL_DEADLINE_MS + 5 * 60_000,
  );

  it("`npx latchkey --help` runs the CLI, at the root and in subfolders", async () => {
    const readme = readFileSync(CLI_README, "utf8");
    const command = /From the repository root, after `npm ci`: `([^`]+)`/.exec(readme)?.[1];
    if (command === undefined) throw new Error("the CLI README no longer says how to start");
    expect(command).toBe("npx latchkey --help");
    for (const dir of [".", "docs", join("packages", "cli", "src")]) {
      const result = await run(command, { env: userEnv(), cwd: join(CLONE, dir) });
      expect(result.code, `in ${dir}: ${result.stderr}`).toBe(0);
      expect(result.stdout).toMatch(/^Usage: latchkey /);
      expect(result.stdout).toContain("create api-key");
      expect(result.stdout).toContain("scan");
    }
  }, 120_000);

  it("the curl walk-through answers as its comments say", async () => {
    const commands = shBlock(README, "Walk-through with curl");
    const vars: Record<string, string> = {};
    const answers: { command: string; body: Record<string, unknown> }[] = [];
    for (const line of commands) {
      const assignment = /^([A-Z_]+)=(\S+)$/.exec(line.command);
      if (assignment) {
        const [, name = "", value = ""] = assignment;
        if (value.includes("...")) {
          // A placeholder: its comment names the field of the answer just before it.
          const field = /\bthe (\w+) from the answer\b/.exec(line.comment)?.[1];
          if (field === undefined)
            throw new Error(`a placeholder without its source: ${line.text}`);
          const actual = answers.at(-1)?.body[field];
          expect(typeof actual, line.text).toBe("string");
          expect(actual as string, line.text).toMatch(
            new RegExp(`^${value.slice(0, value.indexOf("..."))}`),
          );
          vars[name] = actual as string;
        } else {
          vars[name] = value.replace("127.0.0.1:8080", apiUrl.replace("http://", ""));
        }
        continue;
      }
      const result = await run(line.text, { env: userEnv(vars) });
      expect(result.code, `${line.text}\n${result.stderr}`).toBe(0);
      const body = JSON.parse(result.stdout) as Record<string, unknown>;
      answers.push({ command: line.command, body });
      if (line.command.includes("/reset/")) {
        // "the old secret gets 401 at once" (and the new one works)
        expect(await statusWith(apiUrl, vars.KEY ?? "")).toBe(401);
        expect(await statusWith(apiUrl, String(body.key))).toBe(200);
      }
    }

    /** The answer to the one command containing `fragment`. */
    const answerTo = (fragment: string) => {
      const found = answers.filter((answer) => answer.command.includes(fragment));
      expect(found.map((answer) => answer.command)).toHaveLength(1);
      return found[0]?.body ?? {};
    };
    const signUp = commands.find((line) => line.command.includes("$B/users/ "));
    account = JSON.parse(/-d '([^']+)'/.exec(signUp?.command ?? "")?.[1] ?? "{}");
    expect(answerTo("$B/users/ ")).toMatchObject({ success: true, email: account.email });
    expect(answerTo("$B/auth/login/")).toMatchObject({ success: true });

    const created = answerTo('-X POST $B/auth/apikeys/ -H "Authorization: Bearer $SESSION"');
    expect(created).toMatchObject({ success: true, name: "dashboard" });
    expect(created.key).toBe(vars.KEY);
    expect(String(created.id)).toBe(vars.ID); // the README's `ID=2` is right on a fresh server

    expect(answerTo('$B/users/current/ -H "Authorization: Bearer $KEY"')).toMatchObject({
      email: account.email,
      key_id: created.id,
    });
    const denied = answerTo('-X POST $B/auth/apikeys/ -H "Authorization: Bearer $KEY"');
    expect(denied).toMatchObject({ success: false, error: "permission_denied" });
    expect(denied.msg).toMatch(/lacks/);

    const reset = answerTo("/reset/");
    expect(reset).toMatchObject({
      success: true,
      id: created.id,
      name: created.name,
      permissions: created.permissions,
    });
    expect(reset.key).not.toBe(created.key);
    expect(answerTo("-X DELETE")).toMatchObject({ success: true });

    // "from the answer on, the key gets 401"
    expect(await statusWith(apiUrl, String(reset.key))).toBe(401);
  }, 120_000);

  it("the CLI README's Getting started and Rotating a key, against `npx latchkey serve`", async () => {
    // `npx latchkey serve` takes the place of `npm start`, on the same ./data and account.
    if (npmStart) await stop(npmStart);
    expect(account.email).not.toBe("");

    let url: string | undefined;
    const outputs: { command: string; result: Result }[] = [];
    const runAll = async (commands: readonly ReadmeCommand[], edit = (text: string) => text) => {
      for (const line of commands) {
        if (line.command.endsWith("&")) {
          const started = background(
            line.command.slice(0, -1).trim(),
            userEnv({ LATCHKEY_PORT: "0" }),
          );
          url = await listening(started, COMMAND_DEADLINE_MS);
          continue;
        }
        if (url === undefined) throw new Error(`no server started before: ${line.text}`);
        const command = edit(line.command);
        const input = /\blogin\b/.test(command) ? `${account.email}\n${account.password}\n` : "";
        const result = await run(command, { env: userEnv({ LATCHKEY_URL: url }), input });
        expect(result.code, `${command}\n${result.stdout}${result.stderr}`).toBe(0);
        outputs.push({ command, result });
      }
    };
    const outputOf = (fragment: string) => {
      const found = outputs.filter((output) => output.command.includes(fragment));
      expect(found.map((output) => output.command)).toHaveLength(1);
      return found[0]?.result.stdout ?? "";
    };

    await runAll(shBlock(CLI_README, "Getting started"));
    expect(outputOf("latchkey login")).toContain(`Logged in as ${account.email}.`);
    const keyFile = join(CONFIG_HOME, "latchkey", "api_key");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const created = /Created API key (\d+) "ci"[\s\S]*?\b(lk_[0-9A-Za-z]{46})\b/.exec(
      outputOf("latchkey create api-key"),
    );
    if (!created) throw new Error(`create api-key printed no key:\n${outputOf("create api-key")}`);
    const [, id = "", oldSecret = ""] = created;
    expect(outputOf("latchkey show api-keys")).toMatch(new RegExp(`^${id}\\s+ci\\s`, "m"));

    const rotation = shBlock(CLI_README, "Rotating a key without downtime");
    const example = /\bapi-key (\d+)\b/.exec(rotation[0]?.command ?? "")?.[1];
    if (example === undefined) throw new Error("Rotating a key: no example id");
    await runAll(rotation, (text) => text.replace(new RegExp(`\\b${example}\\b`), id));
    const newSecret = /\b(lk_[0-9A-Za-z]{46})\b/.exec(outputOf("reset api-key"))?.[1];
    expect(newSecret).toBeDefined();
    expect(newSecret).not.toBe(oldSecret);
    expect(outputOf("reset api-key")).toContain("the old secret keeps working until");
    expect(outputOf(`show api-key ${id}`)).toMatch(/Old secret:\s+works until /);
    expect(outputOf("show usage")).toContain(`API key ${id}, the last 24 hours`);
    expect(outputOf("end grace-window")).toContain("its old secret no longer works");
    if (url === undefined) throw new Error("no server");
    expect(await statusWith(url, oldSecret)).toBe(401);
    expect(await statusWith(url, newSecret ?? "")).toBe(200);
  }, 300_000);
});
