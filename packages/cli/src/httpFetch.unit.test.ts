import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { httpFetch } from "./httpFetch.js";

let server: Server | undefined;
afterEach(
  () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
);

function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  return new Promise<string>((resolve) => {
    server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8").on("data", (chunk: string) => {
        body += chunk;
      });
      req.on("end", () => handler(req, res, body));
    }).listen(0, "127.0.0.1", () => {
      const address = server?.address();
      resolve(`http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`);
    });
  });
}

describe("httpFetch", () => {
  it("sends the method, headers and body, and answers status, headers and text", async () => {
    let seen: { method?: string; auth?: string; type?: string; length?: string; body?: string } =
      {};
    const url = await serve((req, res, body) => {
      seen = {
        method: req.method,
        auth: req.headers.authorization,
        type: req.headers["content-type"],
        length: req.headers["content-length"],
        body,
      };
      res.writeHead(429, "Too Many Requests", { "retry-after": "7", "x-request-id": "r1" });
      res.end('{"error":"rate_limited","msg":"slow down – ü"}');
    });
    const body = JSON.stringify({ name: "ü key" });
    const answer = await httpFetch(`${url}/api/v0/auth/apikeys/`, {
      method: "POST",
      headers: { Authorization: "Bearer lk_x", "Content-Type": "application/json" },
      body,
    });
    expect(seen).toEqual({
      method: "POST",
      auth: "Bearer lk_x",
      type: "application/json",
      length: String(Buffer.byteLength(body)),
      body,
    });
    expect([answer.ok, answer.status, answer.statusText]).toEqual([
      false,
      429,
      "Too Many Requests",
    ]);
    expect(answer.headers.get("Retry-After")).toBe("7");
    expect(answer.headers.get("x-request-id")).toBe("r1");
    expect(answer.headers.get("x-missing")).toBeNull();
    expect(await answer.text()).toBe('{"error":"rate_limited","msg":"slow down – ü"}');
  });

  it("a 2xx is ok, and json() parses the answer", async () => {
    const url = await serve((_req, res) => res.end('{"apikeys":[]}'));
    const answer = await httpFetch(`${url}/`);
    expect(answer.ok).toBe(true);
    expect(await answer.json()).toEqual({ apikeys: [] });
  });

  it("a refused connection fails as fetch does: a TypeError whose cause has the code", async () => {
    const url = await serve(() => {});
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    const failure = await httpFetch(url).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as { cause?: { code?: string } }).cause?.code).toBe("ECONNREFUSED");
  });

  it("an aborted signal stops the request", async () => {
    const url = await serve(() => {
      // Never answers.
    });
    const controller = new AbortController();
    const pending = httpFetch(url, { signal: controller.signal }).catch((err: unknown) => err);
    setTimeout(() => controller.abort(), 50);
    const failure = await pending;
    expect(failure).toBeInstanceOf(TypeError);
    expect(controller.signal.aborted).toBe(true);
  });
});
