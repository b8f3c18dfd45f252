import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BENCH_LIMITS } from "./runBench.js";
import { startBenchServer } from "./serverProcess.js";
import { median } from "./stats.js";

/**
 * `npm run bench:cli`: how long the CLI takes to start, against `node -e 0` (Node's own start)
 * on this machine, as medians of repeated spawns taken in turn. The targets:
 * `latchkey --version` and `latchkey --help` ≤ 2× `node -e 0`; `latchkey show api-keys`
 * against a local server ≤ 2.5× `node -e 0` plus the request's own time.
 */
export const CLI_TARGETS = { version: 2, help: 2, showApiKeys: 2.5 } as const;

const USAGE = `Usage: npm run bench:cli -- [options]

Spawns each command in turn, --runs times after one unmeasured run, and compares the medians:
  node -e 0                      Node's own start, the unit of the targets
  latchkey --version             ≤ ${CLI_TARGETS.version}× node -e 0
  latchkey --help                ≤ ${CLI_TARGETS.help}× node -e 0
  latchkey show api-keys         ≤ ${CLI_TARGETS.showApiKeys}× node -e 0 + the request's own time, against a
                                 local server (SQLite, 5 keys); the request's time is the same
                                 GET on a new connection from this process

Options:
  --runs N     spawns per command (default 15, at least 10)
  --bin PATH   the CLI to measure (default packages/cli/bin/latchkey.js); give it more than once
               to compare builds within one run (e.g. a copy of the CLI built from an earlier
               commit, inside the repository so that it finds the same node_modules)
  --check      exit with status 3 when a target is missed
  --help       this text
`;

const HERE = dirname(fileURLToPath(import.meta.url));
const DEFAULT_BIN = join(HERE, "..", "..", "packages", "cli", "bin", "latchkey.js");

/** Wall time of one spawn to its exit, in ms; throws when it does not exit 0. */
function timeSpawn(args: readonly string[], env: Record<string, string>): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const ms = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(
      `'node ${args.join(" ")}' exited with ${result.status}:\n${result.stdout}${result.stderr}`,
    );
  }
  return ms;
}

/** One GET on a connection of its own (as the CLI makes it), to the end of the answer, in ms. */
function timeRequest(url: string, key: string): Promise<number> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const req = request(
      `${url}/api/v0/auth/apikeys/`,
      { agent: false, headers: { authorization: `Bearer ${key}`, accept: "application/json" } },
      (res) => {
        res.resume();
        res.once("end", () =>
          res.statusCode === 200
            ? done(performance.now() - started)
            : fail(new Error(`GET /api/v0/auth/apikeys/ answered ${res.statusCode}`)),
        );
      },
    );
    req.once("error", fail);
    req.end();
  });
}

async function post(url: string, path: string, body: unknown, key?: string) {
  const answer = await fetch(`${url}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
    },
    body: JSON.stringify(body),
  });
  const json = (await answer.json()) as Record<string, unknown>;
  if (answer.status !== 200) throw new Error(`POST ${path} answered ${answer.status}`);
  return json;
}

async function main(argv: readonly string[]): Promise<number> {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (err) {
    process.stderr.write(`bench:cli: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const runs = Number(values.runs ?? "15");
  if (!Number.isInteger(runs) || runs < 10) {
    process.stderr.write(`bench:cli: --runs: expected a whole number ≥ 10, got '${values.runs}'\n`);
    return 2;
  }
  const bins = (values.bin ?? [DEFAULT_BIN]).map((b) => resolve(b));

  const dir = mkdtempSync(join(tmpdir(), "latchkey-bench-cli-"));
  const home = join(dir, "home");
  mkdirSync(home);
  const server = await startBenchServer(
    // As in `npm run bench`: limits off, so that the runs' requests are never refused.
    { ...BENCH_LIMITS, LATCHKEY_DATA_DIR: join(dir, "data"), LATCHKEY_LOG_LEVEL: "warn" },
    join(dir, "server.log"),
  );
  try {
    const account = { email: "cli-start@bench.invalid", password: "correct horse battery staple" };
    await post(server.url, "/api/v0/users/", account);
    const session = String((await post(server.url, "/api/v0/auth/login/", account)).session_key);
    let key = "";
    for (let i = 0; i < 5; i++) {
      key = String(
        (await post(server.url, "/api/v0/auth/apikeys/", { name: `k${i}` }, session)).key,
      );
    }
    // Only what a person's shell would hand it; the key by the environment, never a flag.
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      XDG_CONFIG_HOME: home,
      LATCHKEY_URL: server.url,
      LATCHKEY_API_KEY: key,
    };
    const label = (bin: string) => (bins.length === 1 ? "" : ` (${relative(process.cwd(), bin)})`);
    const commands = [
      { name: "node -e 0", args: ["-e", "0"] },
      ...bins.flatMap((bin) => [
        { name: `latchkey --version${label(bin)}`, args: [bin, "--version"] },
        { name: `latchkey --help${label(bin)}`, args: [bin, "--help"] },
        { name: `latchkey show api-keys${label(bin)}`, args: [bin, "show", "api-keys"] },
      ]),
    ];
    const times = commands.map(() => [] as number[]);
    const requests: number[] = [];
    // One unmeasured run each (file cache, the server's first request), then the runs in turn,
    // so that a burst of other work on the machine spreads over all of them.
    for (const c of commands) timeSpawn(c.args, env);
    await timeRequest(server.url, key);
    for (let r = 0; r < runs; r++) {
      for (const [i, c] of commands.entries()) times[i]?.push(timeSpawn(c.args, env));
      requests.push(await timeRequest(server.url, key));
    }
    const medians = times.map(median);
    const node = medians[0] ?? 0;
    const request = median(requests);
    const width = Math.max(...commands.map((c) => c.name.length), 17);
    const lines = [
      `CLI start: median of ${runs} spawns each, taken in turn (ms)`,
      "",
      `| ${"command".padEnd(width)} | median ms | min ms | × node -e 0 |`,
      `| ${"-".repeat(width)} | --------: | -----: | ----------: |`,
      ...commands.map(
        (c, i) =>
          `| ${c.name.padEnd(width)} | ${(medians[i] ?? 0).toFixed(0).padStart(9)} | ${Math.min(
            ...(times[i] ?? []),
          )
            .toFixed(0)
            .padStart(6)} | ${((medians[i] ?? 0) / node).toFixed(2).padStart(11)} |`,
      ),
      `| ${"the request alone".padEnd(width)} | ${request.toFixed(1).padStart(9)} | ${Math.min(
        ...requests,
      )
        .toFixed(1)
        .padStart(6)} |             |`,
      "",
    ];
    const allowedShow = CLI_TARGETS.showApiKeys * node + request;
    const targets = bins.flatMap((bin, b) => {
      const [version = 0, help = 0, show = 0] = medians.slice(1 + 3 * b, 4 + 3 * b);
      return [
        {
          name: `latchkey --version ≤ ${CLI_TARGETS.version}× node -e 0${label(bin)}`,
          pass: version <= CLI_TARGETS.version * node,
          detail: `${(version / node).toFixed(2)}× (${version.toFixed(0)} ms vs ${node.toFixed(0)} ms)`,
        },
        {
          name: `latchkey --help ≤ ${CLI_TARGETS.help}× node -e 0${label(bin)}`,
          pass: help <= CLI_TARGETS.help * node,
          detail: `${(help / node).toFixed(2)}× (${help.toFixed(0)} ms vs ${node.toFixed(0)} ms)`,
        },
        {
          name: `latchkey show api-keys ≤ ${CLI_TARGETS.showApiKeys}× node -e 0 + the request${label(bin)}`,
          pass: show <= allowedShow,
          detail: `${((show - request) / node).toFixed(2)}× node -e 0 + the request (${show.toFixed(0)} ms, allowed ${allowedShow.toFixed(0)} ms)`,
        },
      ];
    });
    for (const t of targets) lines.push(`${t.pass ? "PASS" : "FAIL"}  ${t.name}: ${t.detail}`);
    process.stdout.write(`${lines.join("\n")}\n`);
    return values.check && !targets.every((t) => t.pass) ? 3 : 0;
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      runs: { type: "string" },
      bin: { type: "string", multiple: true },
      check: { type: "boolean" },
      help: { type: "boolean" },
    },
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench:cli: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
