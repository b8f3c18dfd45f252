import { request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";

/**
 * The `fetch` the CLI gives the SDK: one request over node:http (node:https, loaded only for
 * an https URL), with the parts of a Response the SDK reads. Node's own fetch compiles its
 * HTTP client (undici) on first use, which costs a command more start-up time than all of
 * the CLI's own code (docs/benchmarks.md); a command makes one or two requests and needs
 * none of what undici adds. Errors look like fetch's: a TypeError whose `cause` carries the
 * system error's code (ECONNREFUSED…), which is what the SDK reads to decide on a retry.
 */
export const httpFetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
  const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
  const body = typeof init.body === "string" ? init.body : undefined;
  if (init.body != null && body === undefined) {
    throw new TypeError("httpFetch sends string bodies only");
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries((init.headers ?? {}) as Record<string, string>)) {
    headers[name.toLowerCase()] = value;
  }
  if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
  const options: RequestOptions = {
    method: init.method ?? "GET",
    headers,
    // A command ends when its calls are answered: no connection is kept for later.
    agent: false,
    ...(init.signal ? { signal: init.signal } : {}),
  };
  const send = url.protocol === "https:" ? (await import("node:https")).request : httpRequest;
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = send(url, options, resolve);
    req.once("error", (err) => reject(new TypeError("fetch failed", { cause: err })));
    req.end(body);
  });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    response.on("data", (chunk: Buffer) => chunks.push(chunk));
    response.once("end", resolve);
    response.once("error", (err) => reject(new TypeError("fetch failed", { cause: err })));
    // Cut off (an abort, a dropped connection) before the whole answer arrived.
    response.once("close", () => {
      if (!response.complete) {
        reject(new TypeError("fetch failed", { cause: new Error("connection closed early") }));
      }
    });
  });
  const text = Buffer.concat(chunks).toString("utf8");
  const status = response.statusCode ?? 0;
  const answer = {
    ok: status >= 200 && status < 300,
    status,
    statusText: response.statusMessage ?? "",
    headers: {
      get(name: string): string | null {
        const value = response.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
      },
    },
    text: async () => text,
    json: async () => JSON.parse(text) as unknown,
  };
  return answer as unknown as Response;
}) as typeof fetch;
