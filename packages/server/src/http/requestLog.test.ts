import { spawn } from "node:child_process";
import { join } from "node:path";
import { generateKey } from "@latchkey/core";
import {
  call,
  createKey,
  SERVER_MAIN,
  signUpAndLogIn,
  spawnServer,
  startTestServer,
  type TestServer,
  tempDir,
} from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeStorage } from "../startup.js";
import { createLogger, REQUEST_LINE } from "./logging.js";

/** The log lines people and machines read: one per request, readable on a terminal. */

interface Line {
  msg: string;
  reqId?: string;
  route?: string;
  keyId?: number;
  responseTime?: number;
  req?: { method: string; url: string };
  res?: { statusCode: number };
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const lines = () => server.logs.map((l) => JSON.parse(l) as Line);

describe("the request log", () => {
  it("has one line per request: method, route pattern, status, time, request id, key id", async () => {
    const { session, password } = await signUpAndLogIn(server.url);
    const { id, key } = await createKey(server.url, session);
    const answer = await call(
      server.url,
      "GET",
      `/api/v0/auth/apikeys/${id}/?pw=${encodeURIComponent(password)}`,
      { key },
    );
    expect(answer.status).toBe(200);
    const reqId = answer.headers.get("x-request-id");
    const mine = lines().filter((l) => l.reqId === reqId);
    expect(mine).toHaveLength(1);
    const [line] = mine;
    expect(line).toMatchObject({
      msg: REQUEST_LINE,
      route: "/api/v0/auth/apikeys/:id/",
      keyId: id,
      req: { method: "GET", url: `/api/v0/auth/apikeys/${id}/?[redacted]=[redacted]` },
      res: { statusCode: answer.status },
    });
    expect(line?.responseTime).toBeGreaterThan(0);
    // Anonymous requests have no key id; an unknown path has no route pattern.
    const anonymous = await call(server.url, "GET", "/healthz");
    const health = lines().find((l) => l.reqId === anonymous.headers.get("x-request-id"));
    expect(health).toMatchObject({ route: "/healthz", res: { statusCode: 200 } });
    expect(health).not.toHaveProperty("keyId");
    const lost = await call(server.url, "GET", `/${key}/nowhere`);
    const unrouted = lines().find((l) => l.reqId === lost.headers.get("x-request-id"));
    expect(unrouted).toMatchObject({ res: { statusCode: 404 } });
    expect(unrouted).not.toHaveProperty("route");
    const log = server.logs.join("");
    for (const secret of [session, key, password]) expect(log).not.toContain(secret);
  });

  it("of a server process on a pipe, written asynchronously, holds every request once it stops", async () => {
    const dir = tempDir("latchkey-log-flush");
    const started = await spawnServer({ LATCHKEY_DATA_DIR: dir.path });
    const requests = 300;
    try {
      const statuses = await Promise.all(
        Array.from(
          { length: requests },
          async () => (await fetch(`${started.url}/healthz`)).status,
        ),
      );
      expect(statuses.filter((s) => s === 200)).toHaveLength(requests);
    } finally {
      // Stopped at once after the last answer: what is still buffered must reach the pipe.
      await started.stop();
      dir.remove();
    }
    const logged = started
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Line)
      .filter((l) => l.msg === REQUEST_LINE && l.route === "/healthz");
    expect(logged).toHaveLength(requests);
    expect(new Set(logged.map((l) => l.reqId)).size).toBe(requests);
  });

  it("is not written at all above the info level", async () => {
    const quiet = await startTestServer({ LATCHKEY_LOG_LEVEL: "warn" });
    try {
      await call(quiet.url, "GET", "/healthz");
      expect(quiet.logs.filter((l) => l.includes(REQUEST_LINE))).toEqual([]);
    } finally {
      await quiet.close();
    }
  });
});

describe("readable logs", () => {
  it("write a request as one line a person reads, still redacted", () => {
    const out: string[] = [];
    const logger = createLogger("info", { write: (l: string) => void out.push(l) }, "pretty");
    const key = generateKey("lk");
    logger.info(
      {
        reqId: "r-1",
        req: { method: "GET", url: `/api/v0/auth/apikeys/12/?t=${key}` },
        route: "/api/v0/auth/apikeys/:id/",
        res: { statusCode: 200 },
        responseTime: 1.234,
        keyId: 12,
      },
      REQUEST_LINE,
    );
    logger.warn({ component: "revocation", hint: `leaked ${key}` }, "cache distrusted");
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/api\/v0\/auth\/apikeys\/:id\/ 200 1\.2 ms key 12 \[req r-1\]\n$/,
    );
    expect(out[1]).toMatch(/WARN: cache distrusted \{"component":"revocation","hint":"leaked lk_…/);
    expect(out.join("")).not.toContain(key.slice(3));
  });

  it("on a terminal by default, JSON through a pipe or with LATCHKEY_LOG_FORMAT=json", async () => {
    const dir = tempDir("latchkey-tty");
    try {
      const onTerminal = await startUnderTerminal({ LATCHKEY_DATA_DIR: dir.path });
      expect(onTerminal).toMatch(
        /\d\d:\d\d:\d\d\.\d{3}\] INFO: Latchkey is listening on http:\/\/127\.0\.0\.1:\d+: API at \/api\/v0/,
      );
      expect(onTerminal).not.toContain('"msg":');
      const forced = await startUnderTerminal({
        LATCHKEY_DATA_DIR: dir.path,
        LATCHKEY_LOG_FORMAT: "json",
      });
      expect(forced).toMatch(/"msg":"Latchkey is listening on/);
      const piped = await spawnServer({ LATCHKEY_DATA_DIR: dir.path });
      await piped.stop();
      expect(piped.output()).toMatch(/"msg":"Latchkey is listening on/);
    } finally {
      dir.remove();
    }
  });
});

describe("the start-up line", () => {
  it("says where the API, the console and the data are, and the storage mode", async () => {
    const dir = tempDir("latchkey-startup");
    const started = await spawnServer({ LATCHKEY_DATA_DIR: dir.path });
    try {
      const line = started
        .output()
        .split("\n")
        .map((l) => (l.startsWith("{") ? (JSON.parse(l) as Record<string, unknown>) : {}))
        .find((l) => String(l.msg).startsWith("Latchkey is listening"));
      const port = new URL(started.url).port;
      expect(line).toMatchObject({
        port: Number(port),
        storage: "sqlite",
        api: `http://127.0.0.1:${port}/api/v0`,
        data: `SQLite ${join(dir.path, "latchkey.db")} (embedded mode, one node)`,
      });
      expect(String(line?.msg)).toContain(`data in SQLite ${join(dir.path, "latchkey.db")}`);
      expect(String(line?.msg)).toMatch(/console (at \/|not built)/);
    } finally {
      await started.stop();
      dir.remove();
    }
  });

  it("names a PostgreSQL database without its user or password", () => {
    const described = describeStorage({
      databaseUrl: "postgres://latchkey:s3cret-pw@db.internal:5433/keys?sslmode=require",
      databaseSchema: "latchkey",
      dataDir: "./data",
    });
    expect(described).toBe("PostgreSQL db.internal:5433/keys, schema latchkey (scale-out mode)");
  });
});

/**
 * Starts the built server with stdout on a pseudo-terminal (util-linux `script`), waits for its
 * start-up line, stops it with Ctrl-C, and returns what the terminal showed.
 */
function startUnderTerminal(env: Record<string, string>): Promise<string> {
  const command = `exec ${process.execPath} ${SERVER_MAIN}`;
  const child = spawn("script", ["-qfec", command, "/dev/null"], {
    env: { PATH: process.env.PATH, TERM: "dumb", LATCHKEY_PORT: "0", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no start-up line on the terminal:\n${out}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (
        /Latchkey is listening/.test(out) &&
        /\n/.test(out.slice(out.indexOf("Latchkey is listening")))
      ) {
        clearTimeout(timer);
        child.stdout.off("data", onData);
        child.once("exit", () => resolve(out));
        // Ctrl-C on the terminal: the server gets SIGINT and stops cleanly, and so does script.
        child.stdin.write("\x03");
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
  });
}
