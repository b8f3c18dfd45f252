import { createServer, type IncomingHttpHeaders } from "node:http";

/** A request a test receiver got. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as sent. */
  body: string;
}

export interface TestReceiver {
  /** Where to register it, e.g. `http://127.0.0.1:43121/hook`. */
  url: string;
  received: ReceivedRequest[];
  /** The status to answer the n-th request (0-based) with; 204 unless changed. */
  respond: (request: ReceivedRequest, n: number) => number;
  /** Resolves once `count` requests have arrived; rejects after `timeoutMs` naming what came. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/**
 * Test support: a real webhook receiver (node:http on 127.0.0.1, a free port) that records
 * every request and answers with `respond`'s status, for tests of delivery, retries and
 * signatures against the real server.
 */
export async function startReceiver(
  respond: TestReceiver["respond"] = () => 204,
): Promise<TestReceiver> {
  const waiters = new Set<() => void>();
  const receiver: TestReceiver = {
    url: "",
    received: [],
    respond,
    waitFor(count, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (receiver.received.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(receiver.received.slice(0, count));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `expected ${count} webhook requests within ${timeoutMs} ms, got ${receiver.received.length}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      const n = receiver.received.length;
      receiver.received.push(request);
      res.statusCode = receiver.respond(request, n);
      res.end();
      for (const waiter of [...waiters]) waiter();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  receiver.url = `http://127.0.0.1:${port}/hook`;
  return receiver;
}
