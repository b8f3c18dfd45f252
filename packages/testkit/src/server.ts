import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { hashPassword, type UserRecord } from "@latchkey/core";
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
  /**
   * Where to send requests: `http://127.0.0.1:<port>` when the server listens, else an
   * origin under `.invalid` (which no resolver answers) that only `call` and `fetch` reach.
   */
  url: string;
  /** A WHATWG fetch that reaches this server, for clients that accept one (the SDK). */
  fetch: typeof fetch;
  app: FastifyInstance;
  deps: Deps;
  dataDir: string;
  /** Log lines the server wrote, for tests that check what is (not) logged. */
  logs: string[];
  close(): Promise<void>;
}

/**
 * Every server of this process, by the origin of its `url`: its store is at hand. Requests to
 * one that does not listen (`inject`) go through `app.inject` (Fastify's light-my-request):
 * the same routes, hooks, store and logger, without a socket or an HTTP parser between the
 * test and the app.
 */
const inThisProcess = new Map<string, { app: FastifyInstance; deps: Deps; inject: boolean }>();
let inProcessCount = 0;

/** The headers Node's fetch adds to every request, so injected requests look the same. */
const FETCH_DEFAULTS = {
  accept: "*/*",
  "accept-language": "*",
  "sec-fetch-mode": "cors",
  "user-agent": "node",
  "accept-encoding": "gzip, deflate",
} as const;

/** Statuses whose response has no body (a Response refuses one). */
const NULL_BODY = new Set([101, 204, 205, 304]);

/** A fetch answered by `app.inject` instead of the network. */
function injectingFetch(app: FastifyInstance): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const headers: Record<string, string> = { ...FETCH_DEFAULTS, host: url.host };
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const payload = request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
    const answer = await app.inject({
      method: request.method as "GET",
      url: url.pathname + url.search,
      headers,
      signal: request.signal,
      ...(payload === undefined ? {} : { payload }),
    });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) {
        responseHeaders.append(name, String(one));
      }
    }
    const noBody = NULL_BODY.has(answer.statusCode) || request.method === "HEAD";
    return new Response(noBody ? null : new Uint8Array(answer.rawPayload), {
      status: answer.statusCode,
      statusText: answer.statusMessage,
      headers: responseHeaders,
    });
  };
}

/** The fetch that reaches `url`: an in-process server's, or the network's. */
function fetchFor(url: string): typeof fetch {
  const server = inThisProcess.get(new URL(url).origin);
  return server?.inject ? injectingFetch(server.app) : fetch;
}

/**
 * A server from the app factory, with its own data dir unless given. In-process by default
 * (requests through `app.inject`); `listen: true` puts it on 127.0.0.1 and a free port, for
 * tests of sockets and for clients in other processes or a browser (CLI, console).
 */
export async function startTestServer(
  env: ConfigSource = {},
  options: { now?: () => Date; listen?: boolean } = {},
): Promise<TestServer> {
  const { listen = false, ...appOptions } = options;
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
  const server = await runServer(config, logger, { ...appOptions, listen });
  let url = `http://127.0.0.1:${server.port}`;
  if (!listen) {
    url = `http://in-process-${++inProcessCount}.invalid`;
  }
  inThisProcess.set(url, { app: server.app, deps: server.deps, inject: !listen });
  return {
    url,
    fetch: listen ? fetch : injectingFetch(server.app),
    app: server.app,
    deps: server.deps,
    dataDir: config.dataDir,
    logs,
    async close() {
      inThisProcess.delete(url);
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

/** Enough of the text before a chunk to find `"port":NNNNN,` split between two chunks. */
const PORT_LINE_OVERLAP = 16;

/**
 * The server as `npm start` runs it (the bundled build of its entry point), also when this
 * module runs from source under the test runner.
 */
export const SERVER_MAIN = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "server",
  "dist",
  "main.bundle.js",
);

/**
 * The real server process (`node dist/main.bundle.js`, what `npm start` runs), with LATCHKEY_PORT=0
 * unless given; resolves once it logs the port it listens on.
 */
export function spawnServer(env: ConfigSource): Promise<ServerProcess> {
  const child = spawn(process.execPath, [SERVER_MAIN], {
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
    let listening = false;
    const onData = (chunk: Buffer) => {
      const from = Math.max(0, out.length - PORT_LINE_OVERLAP);
      out += chunk.toString();
      // Only until the port is found, and only what is new (a line split between chunks
      // included): a test that keeps the server logging for minutes sends megabytes, and
      // searching all of it again on every chunk cost more CPU than the server itself.
      if (listening) return;
      const match = /"port":(\d+)\D/.exec(out.slice(from));
      if (match) {
        listening = true;
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

/**
 * A plain HTTP call as any client would make it; `key` goes in the Authorization header. An
 * in-process server's `url` is answered by its app, any other over the network.
 */
export async function call<T = Record<string, unknown>>(
  url: string,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetchFor(url)(url + path, {
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

/** The password of every account signUpAndLogIn makes. */
export const TEST_PASSWORD = "correct horse battery staple";
let passwordHash: Promise<string> | undefined;

/**
 * Signs up a fresh account and logs in; returns its session key.
 *
 * On a server of this process the account goes straight into its store, made as the sign-up
 * route makes it, with the password hash of the product's own hashPassword of TEST_PASSWORD
 * (full strength, once per test process), and its session is opened as `logIn` opens one.
 * scrypt costs ~0.1 s of CPU: once per process instead of twice per account. Tests of sign-up
 * and login themselves post to their routes; servers in other processes get every account
 * that way too.
 */
export async function signUpAndLogIn(
  url: string,
  email = `user${++accounts}-${Date.now()}@example.com`,
) {
  const password = TEST_PASSWORD;
  const deps = inThisProcess.get(new URL(url).origin)?.deps;
  if (deps) {
    passwordHash ??= hashPassword(TEST_PASSWORD);
    const user = await deps.store.createUser(
      { email, passwordHash: await passwordHash, createdAt: deps.now().toISOString() },
      // As the sign-up route asks when no administrator does: closed admits only the first.
      { onlyFirst: deps.config.signup === "closed" },
    );
    if (typeof user === "string") throw new Error(`sign-up failed: ${user}`);
    const session = await openSession(deps, user);
    return { email, password, session: session.key, userId: user.id };
  }
  const signup = await call(url, "POST", "/api/v0/users/", { body: { email, password } });
  if (signup.status !== 200) throw new Error(`sign-up failed: ${JSON.stringify(signup.body)}`);
  const session = await logIn(url, { email, password });
  return { email, password, session: session.key, userId: session.userId };
}

/**
 * A new session of an account, as a login opens one: its secret, id and user id.
 *
 * On a server of this process, for an account signUpAndLogIn made (whose stored hash is the
 * one of TEST_PASSWORD, so the password is known to match), the session is opened by the
 * session service's own `open`, the half of a login after the password check, without
 * spending scrypt again. Any other account, or a server in another process, posts to the
 * login route.
 */
export async function logIn(
  url: string,
  account: { email: string; password: string },
): Promise<{ key: string; id: number; userId: number }> {
  const deps = inThisProcess.get(new URL(url).origin)?.deps;
  if (deps && passwordHash && account.password === TEST_PASSWORD) {
    const user = await deps.store.findUserByEmail(account.email);
    if (user && user.passwordHash === (await passwordHash)) return await openSession(deps, user);
  }
  const login = await call<{ session_key: string; session_id: number; user_id: number }>(
    url,
    "POST",
    "/api/v0/auth/login/",
    { body: account },
  );
  if (login.status !== 200) throw new Error(`login failed: ${JSON.stringify(login.body)}`);
  return { key: login.body.session_key, id: login.body.session_id, userId: login.body.user_id };
}

/** The second half of a login, through the session service as the login route calls it. */
async function openSession(deps: Deps, user: UserRecord) {
  const login = { ip: "127.0.0.1", route: "POST /api/v0/auth/login/", at: deps.now() };
  const opened = await deps.sessions.open(user, FETCH_DEFAULTS["user-agent"], login);
  if (!opened.ok) throw new Error(`login failed: ${JSON.stringify(opened.error)}`);
  return { key: opened.value.secret, id: opened.value.record.id, userId: user.id };
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
