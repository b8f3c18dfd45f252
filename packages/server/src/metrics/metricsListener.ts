import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

export interface MetricsListener {
  /** The URL a Prometheus scrape config points at. */
  url: string;
  close(): Promise<void>;
}

/** `[::1]` for an IPv6 address, so that the URL can be pasted. */
function hostInUrl(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * The metrics' own listener: a plain HTTP server that answers `GET /metrics` and nothing else.
 * It is apart from the API's (another port, by default on loopback), so metrics are never
 * reachable where the API is, and a scrape goes through none of the API's hooks.
 */
export async function listenForScrapes(
  registry: Registry,
  host: string,
  port: number,
  onError: (err: unknown) => void,
): Promise<MetricsListener> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "").split("?")[0];
    if (path !== "/metrics" || (request.method !== "GET" && request.method !== "HEAD")) {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      response.end("Only GET /metrics is served here.\n");
      return;
    }
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { "content-type": registry.contentType });
        response.end(request.method === "HEAD" ? undefined : text);
      },
      (err: unknown) => {
        onError(err);
        response.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        response.end("Collecting the metrics failed; see the server's log.\n");
      },
    );
  });
  // Scrapes are short; an idle scraper's connection must not keep the server from stopping.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const actual = typeof address === "object" && address ? address.port : port;
  return {
    url: `http://${hostInUrl(host)}:${actual}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
