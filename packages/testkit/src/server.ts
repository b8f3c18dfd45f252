import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type ConfigSource,
  createLogger,
  type Deps,
  parseConfig,
  runServer,
} from "@latchkey/server";
import type { FastifyInstance } from "fastify";

/**
 * Test support: real servers on real SQLite files in temp dirs, on 127.0.0.1 and a free port.
 * Every package's tests start servers the same way, through this private workspace.
 */

/**
 * Test servers start with rate limits and per-account caps off: a suite logs in, creates keys
 * and fails authentication far more often than a person would. Tests of the limits themselves
 * set them (rateLimit.test.ts, accountLimits.test.ts, cluster/accountCaps.test.ts).
 */
const UNLIMITED = {
  LATCHKEY_RATE_LIMIT: "0",
  LATCHKEY_SENSITIVE_RATE_LIMIT: "0",
  LATCHKEY_FAILED_AUTH_LIMIT: "0",
  LATCHKEY_LOGIN_FAILURE_LIMIT: "0",
  LATCHKEY_ACCOUNT_KEY_RATE_LIMIT: "0",
  LATCHKEY_ACCOUNT_MAX_KEYS: "0",
  LATCHKEY_ACCOUNT_MAX_SESSIONS: "0",
} as const;

export function tempDir(label = "latchkey-test"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `${label}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface TestServer {
  url: string;
  app: FastifyInstance;
  deps: Deps;
  dataDir: string;
  /** Log lines the server wrote, for tests that check what is (not) logged. */
  logs: string[];
  close(): Promise<void>;
}

/** An in-process server (the app factory, listening), with its own data dir unless given. */
export async function startTestServer(
  env: ConfigSource = {},
  options: { now?: () => Date } = {},
): Promise<TestServer> {
  const dir = env.LATCHKEY_DATA_DIR === undefined ? tempDir() : undefined;
  const config = parseConfig(
    {
      LATCHKEY_PORT: "0",
      LATCHKEY_HOST: "127.0.0.1",
      LATCHKEY_LOG_LEVEL: "info",
      ...UNLIMITED,
      ...env,
    },
    dir ? { LATCHKEY_DATA_DIR: dir.path } : {},
  );
  const logs: string[] = [];
  const logger = createLogger(config.logLevel, { write: (line: string) => void logs.push(line) });
  const server = await runServer(config, logger, options);
  return {
    url: `http://127.0.0.1:${server.port}`,
    app: server.app,
    deps: server.deps,
    dataDir: config.dataDir,
    logs,
    async close() {
      await server.stop();
      dir?.remove();
    },
  };
}

export interface ServerProcess {
  url: string;
  process: ChildProcess;
  /** Everything the process printed. */
  output(): string;
  /** SIGTERM and wait (a clean stop), or `signal` as given (SIGKILL for a crash). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The built entry point, also when this module runs from source under the test runner. */
const MAIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "server", "dist", "main.js");

/**
 * The real server process (`node dist/main.js`, what `npm start` runs), with LATCHKEY_PORT=0
 * unless given; resolves once it logs the port it listens on.
 */
export function spawnServer(env: ConfigSource): Promise<ServerProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, LATCHKEY_PORT: "0", ...UNLIMITED, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running: nothing would ever stop it.
      child.kill("SIGKILL");
      reject(new Error(`server did not start:\n${out}`));
    }, 50_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"port":(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: `http://127.0.0.1:${match[1]}`,
          process: child,
          output: () => out,
          stop: (signal = "SIGTERM") =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once("exit", () => done());
              child.kill(signal);
            }),
        });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
}

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** A plain HTTP call as any client would make it; `key` goes in the Authorization header. */
export async function call<T = Record<string, unknown>>(
  url: string,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(url + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : {}) as T,
  };
}

let accounts = 0;

/** Signs up a fresh account and logs in; returns its session key. */
export async function signUpAndLogIn(
  url: string,
  email = `user${++accounts}-${Date.now()}@example.com`,
) {
  const password = "correct horse battery staple";
  const signup = await call(url, "POST", "/api/v0/users/", { body: { email, password } });
  if (signup.status !== 200) throw new Error(`sign-up failed: ${JSON.stringify(signup.body)}`);
  const login = await call<{ session_key: string; user_id: number }>(
    url,
    "POST",
    "/api/v0/auth/login/",
    {
      body: { email, password },
    },
  );
  if (login.status !== 200) throw new Error(`login failed: ${JSON.stringify(login.body)}`);
  return { email, password, session: login.body.session_key, userId: login.body.user_id };
}

/** Creates a key with the given permissions (omitted: full access); returns its id and secret. */
export async function createKey(
  url: string,
  credential: string,
  body: Record<string, unknown> = {},
) {
  const created = await call<{ id: number; key: string }>(url, "POST", "/api/v0/auth/apikeys/", {
    key: credential,
    body: { name: "test key", ...body },
  });
  if (created.status !== 200) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
  return created.body;
}
