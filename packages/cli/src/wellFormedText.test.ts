import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { call, createKey, tempDir } from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runCliWithByteArgs } from "./testing/cliProcess.js";
import { cliTestServer } from "./testing/cliTestServer.js";
import { runInTerminal } from "./testing/terminal.js";

/**
 * What the CLI reads must be text: names and other arguments, JSON given to --permissions and
 * --key_params, files, stdin and prompts. Anything that is not is refused with the usage exit
 * status (2) and a message naming it, before any request is sent.
 */

const t = cliTestServer();
const USAGE = 2;
/** Bytes that are not UTF-8: a lone continuation byte, and U+D800 as CESU-8 encodes it. */
const NOT_UTF8 = Buffer.from([0xff]);
const CESU_SURROGATE = Buffer.from([0xed, 0xa0, 0x80]);

let apiKey: string;
let files: { path: string; remove(): void };
beforeAll(async () => {
  apiKey = (await createKey(t.server.url, t.account.session, { name: "the CLI's key" })).key;
  files = tempDir("latchkey-cli-text");
});
afterAll(() => files.remove());

const env = () => t.env({ LATCHKEY_API_KEY: apiKey });

/** Requests the server has seen so far (one log line each). */
const requestsSeen = () => t.server.logs.filter((line) => line.includes('"request completed"'));

/** What the account holds: any write the CLI made would show here. */
async function accountState() {
  const get = async (path: string) =>
    (await call(t.server.url, "GET", path, { key: t.account.session })).body;
  return {
    keys: await get("/api/v0/auth/apikeys/"),
    webhooks: await get("/api/v0/webhooks/"),
    sessions: ((await get("/api/v0/auth/sessions/")).sessions as unknown[]).length,
    audit: await get("/api/v0/audit_logs/"),
  };
}

/** Runs the CLI and checks it refused with exit 2, `message`, and sent nothing at all. */
async function expectRefused(run: () => Promise<CliResult>, message: RegExp): Promise<CliResult> {
  const before = await accountState();
  const seen = requestsSeen().length;
  const result = await run();
  expect(requestsSeen().slice(seen), "no request reached the server").toEqual([]);
  expect(result.code, result.stderr).toBe(USAGE);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/^> (GET|POST|PUT|DELETE) /m);
  expect(result.stderr.isWellFormed()).toBe(true);
  expect(await accountState()).toEqual(before);
  return result;
}

describe("the CLI refuses input that is not text, before sending anything", () => {
  it.each([
    [
      "a route name in --permissions",
      ["--permissions", '{"api": {"user_read": {"\\ud800": {}}}}'],
      /error: --permissions at api\.user_read: holds a field name that is not valid text/,
    ],
    [
      "a constraint's value in --permissions",
      [
        "--permissions",
        '{"api": {"user_read": {"api.users.current": {"constraints": {"id": {"eq": "\\udfff"}}}}}}',
      ],
      /error: --permissions at api\.user_read\["api\.users\.current"\]\.constraints\.id\.eq: not valid text/,
    ],
    [
      "an address in --key_params",
      ["--key_params", '{"ip_whitelist": ["203.0.113.7", "\\ud800"]}'],
      /error: --key_params at ip_whitelist\[1\]: not valid text/,
    ],
  ])("create api-key: %s", async (_label, options, message) => {
    await expectRefused(
      () => t.cli(["create", "api-key", "--name", "ci", ...options, "--explain"], { env: env() }),
      message,
    );
  });

  it("create api-key: a --permission_file holding the escape, or bytes that are not UTF-8", async () => {
    const escaped = join(files.path, "escaped.json");
    writeFileSync(escaped, '{"api": {"user_read": {"\\ud800": {}}}}');
    await expectRefused(
      () =>
        t.cli(["create", "api-key", "--name", "ci", "--permission_file", escaped], { env: env() }),
      /error: --permission_file \S+escaped\.json at api\.user_read: holds a field name that is not valid text/,
    );
    // A value the server would take as it comes: the bad byte would be stored as U+FFFD.
    const bytes = join(files.path, "latin1.json");
    writeFileSync(
      bytes,
      Buffer.concat([
        Buffer.from(
          '{"api": {"user_read": {"api.users.current": {"constraints": {"id": {"eq": "caf',
        ),
        Buffer.from([0xe9]),
        Buffer.from('"}}}}}}'),
      ]),
    );
    await expectRefused(
      () =>
        t.cli(["create", "api-key", "--name", "ci", "--permission_file", bytes], { env: env() }),
      /error: --permission_file \S+latin1\.json is not valid UTF-8 text/,
    );
  });

  it.each([
    ["a byte that is not UTF-8", NOT_UTF8],
    ["a surrogate as CESU-8 writes it", CESU_SURROGATE],
  ])("create api-key: a --name holding %s", async (_label, bytes) => {
    await expectRefused(
      () =>
        runCliWithByteArgs(
          ["create", "api-key", "--name", Buffer.concat([Buffer.from("ci "), bytes])],
          { env: env() },
        ),
      /error: --name is not valid text: it holds U\+FFFD, which stands for bytes that are not UTF-8/,
    );
  });

  it("any command's options and arguments: create webhook --description, a global --url", async () => {
    await expectRefused(
      () =>
        runCliWithByteArgs(
          [
            "create",
            "webhook",
            "--endpoint",
            "https://hooks.example.com/x",
            "--description",
            Buffer.concat([Buffer.from("billing "), NOT_UTF8]),
          ],
          { env: env() },
        ),
      /error: --description is not valid text/,
    );
    await expectRefused(
      () =>
        runCliWithByteArgs(
          ["show", "api-keys", "--url", Buffer.concat([Buffer.from(t.server.url), NOT_UTF8])],
          {
            env: env(),
          },
        ),
      /error: --url is not valid text/,
    );
  });

  it("login: an email or password line on stdin that is not UTF-8, never echoed", async () => {
    const email = Buffer.concat([Buffer.from(t.account.email), NOT_UTF8, Buffer.from("\n")]);
    await expectRefused(
      () =>
        t.cli(["login"], {
          env: t.env(),
          input: Buffer.concat([email, Buffer.from(`${t.account.password}\n`)]),
        }),
      /error: the line of stdin read for 'Email:' is not valid text/,
    );
    const password = "correct horse";
    const result = await expectRefused(
      () =>
        t.cli(["login", "--email", t.account.email], {
          env: t.env(),
          input: Buffer.concat([Buffer.from(password), CESU_SURROGATE, Buffer.from("\n")]),
        }),
      /error: the line of stdin read for 'Password:' is not valid text/,
    );
    expect(result.stdout + result.stderr).not.toContain(password);
  });

  it("login on a terminal: an answer that is not UTF-8 at the visible and the hidden prompt", async () => {
    const before = await accountState();
    const seen = requestsSeen().length;
    const visible = await runInTerminal(["login"], {
      env: t.env(),
      steps: [
        {
          waitFor: /Email: /,
          send: Buffer.concat([Buffer.from("me"), NOT_UTF8, Buffer.from("\r")]),
        },
      ],
    });
    expect(visible.code, visible.screen).toBe(USAGE);
    expect(visible.screen).toMatch(/the answer to 'Email:' is not valid text/);
    const hidden = await runInTerminal(["login", "--email", t.account.email], {
      env: t.env(),
      steps: [
        {
          waitFor: /Password: /,
          send: Buffer.concat([Buffer.from("secret-typed"), NOT_UTF8, Buffer.from("\r")]),
        },
      ],
    });
    expect(hidden.code, hidden.screen).toBe(USAGE);
    expect(hidden.screen).toMatch(/the answer to 'Password:' is not valid text/);
    expect(hidden.screen).not.toContain("secret-typed");
    expect(requestsSeen().slice(seen)).toEqual([]);
    expect(await accountState()).toEqual(before);
  });

  it("still takes text beyond ASCII, as typed", async () => {
    const name = "déploiement 🔑 ключ";
    const result = await t.cli(["create", "api-key", "--name", name, "--raw"], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).name).toBe(name);
  });
});
