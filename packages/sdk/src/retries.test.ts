import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Latchkey } from "./latchkey.js";
import { LatchkeyError } from "./latchkeyError.js";

/** A local HTTP server answering with `script[n]` to the n-th request (the last one repeats). */
type Answer = { status: number; headers?: Record<string, string>; body?: unknown } | "hang";

interface Scripted {
  url: string;
  /** When each request arrived (ms since the epoch) and its method. */
  requests: { at: number; method: string }[];
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((done) => s.close(done));
  }
});

async function scripted(script: Answer[]): Promise<Scripted> {
  const requests: Scripted["requests"] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const answer = script[Math.min(requests.length, script.length - 1)] ?? "hang";
    requests.push({ at: Date.now(), method: req.method ?? "" });
    if (answer === "hang") return;
    res.writeHead(answer.status, {
      "content-type": "application/json",
      "x-request-id": `req-${requests.length}`,
      ...answer.headers,
    });
    res.end(JSON.stringify(answer.body ?? {}));
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests };
}

const unavailable = (retryAfter?: string): Answer => ({
  status: 503,
  headers: retryAfter === undefined ? {} : { "retry-after": retryAfter },
  body: { success: false, error: "unavailable", msg: "The server is not ready; retry shortly." },
});
const limited = (retryAfter: string): Answer => ({
  status: 429,
  headers: { "retry-after": retryAfter },
  body: { success: false, error: "rate_limited", msg: "Too many requests." },
});
const catalogue = { status: 200, body: { categories: [], presets: [] } };

async function caught(promise: Promise<unknown>): Promise<LatchkeyError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof LatchkeyError) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

const client = (url: string, extra: Record<string, unknown> = {}) =>
  new Latchkey({ url, env: {}, ...extra });

describe("retries", () => {
  it("retries 503 and succeeds", async () => {
    const s = await scripted([unavailable(), unavailable(), catalogue]);
    expect(await client(s.url, { retries: 2 }).permissionCatalogue()).toEqual(catalogue.body);
    expect(s.requests).toHaveLength(3);
  });

  it("gives up after `retries` and throws the last answer", async () => {
    const s = await scripted([unavailable()]);
    const err = await caught(client(s.url, { retries: 2 }).permissionCatalogue());
    expect(err).toMatchObject({ status: 503, code: "unavailable", requestId: "req-3" });
    expect(s.requests).toHaveLength(3);
  });

  it("honours Retry-After on 429 before trying again", async () => {
    const s = await scripted([limited("1"), catalogue]);
    expect(await client(s.url, { retries: 1 }).permissionCatalogue()).toEqual(catalogue.body);
    const [first, second] = s.requests;
    // A lower bound only: the client must not come back before the server said it may.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(990);
  });

  it("does not wait out a Retry-After longer than the call's time budget", async () => {
    const s = await scripted([limited("3600"), catalogue]);
    const err = await caught(client(s.url, { retries: 3, timeoutMs: 5000 }).permissionCatalogue());
    expect(err).toMatchObject({ status: 429, code: "rate_limited", retryAfter: 3600 });
    expect(s.requests).toHaveLength(1);
  });

  it("does not retry with retries: 0, per call too", async () => {
    const s = await scripted([unavailable(), catalogue]);
    const err = await caught(client(s.url, { retries: 5 }).permissionCatalogue({ retries: 0 }));
    expect(err.status).toBe(503);
    expect(s.requests).toHaveLength(1);
  });

  it("retries a 502 of a read but not of a create (which could mint a second key)", async () => {
    const badGateway: Answer = { status: 502, body: "<html>bad gateway</html>" };
    const reads = await scripted([badGateway, catalogue]);
    expect(await client(reads.url, { retries: 1 }).permissionCatalogue()).toEqual(catalogue.body);
    const writes = await scripted([badGateway, catalogue]);
    const err = await caught(client(writes.url, { retries: 1 }).createApiKey({ name: "x" }));
    expect(err).toMatchObject({ status: 502, code: "http_502" });
    expect(writes.requests).toHaveLength(1);
  });

  it("does not retry 4xx answers other than 429", async () => {
    const s = await scripted([
      { status: 404, body: { success: false, error: "not_found", msg: "Not found." } },
    ]);
    await caught(client(s.url, { retries: 3 }).getApiKey(1));
    expect(s.requests).toHaveLength(1);
  });

  it("retries a refused connection, then reports a network error", async () => {
    const s = await scripted([catalogue]);
    const url = s.url;
    const server = servers.pop();
    server?.closeAllConnections();
    await new Promise((done) => server?.close(done));
    const attempts: string[] = [];
    const err = await caught(
      client(url, {
        retries: 2,
        onRequest: (i: { url: string }) => attempts.push(i.url),
      }).createApiKey({
        name: "x",
      }),
    );
    expect(err).toMatchObject({ status: 0, code: "network_error" });
    expect(attempts).toHaveLength(3);
  });
});

describe("timeouts and cancellation", () => {
  it("ends a call that outlives timeoutMs with code 'timeout'", async () => {
    const s = await scripted(["hang"]);
    const err = await caught(client(s.url, { retries: 2 }).currentUser({ timeoutMs: 200 }));
    expect(err).toMatchObject({ status: 0, code: "timeout" });
    expect(s.requests).toHaveLength(1);
  });

  it("stops at once when the caller's AbortSignal fires", async () => {
    const s = await scripted(["hang"]);
    const controller = new AbortController();
    const pending = caught(client(s.url).currentUser({ signal: controller.signal }));
    while (s.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort(new Error("user gave up"));
    const err = await pending;
    expect(err).toMatchObject({ status: 0, code: "aborted" });
    expect(err.cause).toEqual(new Error("user gave up"));
  });

  it("stops during a backoff wait too", async () => {
    const s = await scripted([limited("20"), catalogue]);
    const controller = new AbortController();
    const pending = caught(
      client(s.url, { retries: 1 }).permissionCatalogue({ signal: controller.signal }),
    );
    while (s.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    expect((await pending).code).toBe("aborted");
    expect(s.requests).toHaveLength(1);
  });

  it("refuses an already aborted signal without calling", async () => {
    const s = await scripted([catalogue]);
    const err = await caught(client(s.url).permissionCatalogue({ signal: AbortSignal.abort() }));
    expect(err.code).toBe("aborted");
    expect(s.requests).toHaveLength(0);
  });
});
