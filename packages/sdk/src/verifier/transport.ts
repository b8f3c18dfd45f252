/**
 * The HTTP a verifier needs: small JSON POSTs (verify, acknowledge) and one long-lived GET
 * read as it arrives (the stream). In Node it is Node's own `http`/`https`, found at run time
 * like the hashing in sha256.ts, so that the SDK still imports no Node module; elsewhere, or
 * when a `fetch` is passed, it is `fetch`.
 *
 * Why not `fetch` everywhere: in Node, a process holding a `fetch` response body open for
 * good (the stream) and fetching every few hundred ms (the renewals) answered its own HTTP
 * requests measurably slower (docs/benchmarks.md, "Protected service"). A verifier exists to
 * cost its service nothing, so in Node it talks plain `http`.
 */

/** A whole answer. */
export interface Reply {
  status: number;
  header(name: string): string | undefined;
  text: string;
}

/** An answer whose body is read as it arrives. */
export interface StreamReply {
  status: number;
  header(name: string): string | undefined;
  chunks: AsyncIterable<Uint8Array>;
  /** The rest of the body at once (for an error's body). */
  text(): Promise<string>;
}

export interface Transport {
  /** A POST of a JSON body; rejects with a TimeoutError after `timeoutMs`. */
  post(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<Reply>;
  /** A GET held open until the server ends it or `signal` aborts. */
  stream(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<StreamReply>;
  /** Lets go of the connections it keeps for reuse. */
  close(): void;
}

/** The parts of Node's `http` and `https` used here. */
interface NodeHttp {
  request(
    url: URL,
    options: {
      method: string;
      headers: Record<string, string | number>;
      agent?: unknown;
      signal?: AbortSignal;
    },
    onResponse: (res: NodeResponse) => void,
  ): NodeRequest;
  Agent: new (options: { keepAlive: boolean }) => { destroy(): void };
}
interface NodeRequest {
  on(event: "error", listener: (err: Error) => void): void;
  destroy(err?: Error): void;
  end(body?: string): void;
}
interface NodeResponse extends AsyncIterable<Uint8Array> {
  statusCode?: number;
  headers: Record<string, string | string[] | undefined>;
  on(event: "data", listener: (chunk: Uint8Array) => void): void;
  on(event: "end" | "close", listener: () => void): void;
  on(event: "error", listener: (err: Error) => void): void;
  resume(): void;
}

function builtin<T>(id: string): T | undefined {
  const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
    .process;
  try {
    return runtime?.getBuiltinModule?.(id) as T | undefined;
  } catch {
    return undefined;
  }
}

/** Node's http where the runtime has it; else `fetch`. */
export function defaultTransport(fetchImpl: typeof fetch): Transport {
  const http = builtin<NodeHttp>("node:http");
  const https = builtin<NodeHttp>("node:https");
  return http && https ? nodeTransport(http, https) : fetchTransport(fetchImpl);
}

function timeoutError(ms: number): Error {
  const err = new Error(`no answer within ${ms} ms`);
  err.name = "TimeoutError";
  return err;
}

const headerOf = (headers: NodeResponse["headers"]) => (name: string) => {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(", ") : value;
};

function readAll(res: NodeResponse): Promise<string> {
  return new Promise((resolve, reject) => {
    const decoder = new TextDecoder();
    let text = "";
    res.on("data", (chunk) => {
      text += decoder.decode(chunk, { stream: true });
    });
    res.on("end", () => resolve(text + decoder.decode()));
    res.on("error", reject);
  });
}

export function nodeTransport(http: NodeHttp, https: NodeHttp): Transport {
  // Renewals and verify calls reuse their connections; the stream has one of its own.
  const agents = {
    "http:": new http.Agent({ keepAlive: true }),
    "https:": new https.Agent({ keepAlive: true }),
  };
  const moduleFor = (url: URL) => (url.protocol === "https:" ? https : http);
  const encoder = new TextEncoder();
  return {
    post(url, headers, body, timeoutMs) {
      return new Promise<Reply>((resolve, reject) => {
        const target = new URL(url);
        const request = moduleFor(target).request(
          target,
          {
            method: "POST",
            headers: { ...headers, "content-length": encoder.encode(body).length },
            agent: target.protocol === "https:" ? agents["https:"] : agents["http:"],
          },
          (res) => {
            readAll(res).then((text) => {
              clearTimeout(timer);
              resolve({ status: res.statusCode ?? 0, header: headerOf(res.headers), text });
            }, fail);
          },
        );
        const timer = setTimeout(() => request.destroy(timeoutError(timeoutMs)), timeoutMs);
        function fail(err: Error) {
          clearTimeout(timer);
          reject(err);
        }
        request.on("error", fail);
        request.end(body);
      });
    },
    stream(url, headers, signal) {
      return new Promise<StreamReply>((resolve, reject) => {
        const target = new URL(url);
        const request = moduleFor(target).request(
          target,
          { method: "GET", headers, agent: false, signal },
          (res) =>
            resolve({
              status: res.statusCode ?? 0,
              header: headerOf(res.headers),
              chunks: res,
              text: () => readAll(res),
            }),
        );
        request.on("error", reject);
        request.end();
      });
    },
    close() {
      agents["http:"].destroy();
      agents["https:"].destroy();
    },
  };
}

export function fetchTransport(fetchImpl: typeof fetch): Transport {
  const headerOfResponse = (response: Response) => (name: string) =>
    response.headers.get(name) ?? undefined;
  return {
    async post(url, headers, body, timeoutMs) {
      const response = await fetchImpl(url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      return {
        status: response.status,
        header: headerOfResponse(response),
        text: await response.text(),
      };
    },
    async stream(url, headers, signal) {
      const response = await fetchImpl(url, { headers, signal });
      const body = response.body;
      return {
        status: response.status,
        header: headerOfResponse(response),
        chunks: {
          async *[Symbol.asyncIterator]() {
            if (body === null) return;
            const reader = body.getReader();
            for (;;) {
              const { done, value } = await reader.read();
              if (done) return;
              yield value;
            }
          },
        },
        text: () => response.text(),
      };
    },
    close() {},
  };
}
