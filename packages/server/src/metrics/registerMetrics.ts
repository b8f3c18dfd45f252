import { instantMs } from "@latchkey/core";
import type { FastifyInstance } from "fastify";
import type { Deps } from "../deps.js";
import { PromMetrics } from "./metrics.js";
import { listenForScrapes, type MetricsListener } from "./metricsListener.js";

/**
 * Wires Prometheus metrics into the app when they are on: the request histogram (one hook on
 * every answer), the gauges read at scrape time, and the separate listener, started when the
 * app is ready (a taken port stops start-up) and closed with it. With metrics off it adds
 * nothing, so the request path pays nothing.
 */
export function registerMetrics(app: FastifyInstance, deps: Deps): void {
  const metrics = deps.metrics;
  if (!(metrics instanceof PromMetrics)) return;
  const { config } = deps;

  app.addHook("onResponse", (request, reply, done) => {
    // The route's pattern, never the URL: a URL may hold anything a client put in it.
    metrics.request(
      request.method,
      request.routeOptions.url,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  metrics.gauge(
    "latchkey_key_cache_entries",
    "Verified keys in this node's cache.",
    () => deps.cache.size,
  );
  metrics.gauge(
    "latchkey_key_cache_capacity",
    "The key cache's size limit (LATCHKEY_KEY_CACHE_SIZE).",
    () => config.keyCacheSize,
  );
  metrics.gauge(
    "latchkey_key_cache_trusted",
    "1 while this node answers from its key cache, 0 while it reads every key from the database (revocation channel down or lease lost).",
    () => (deps.revocations.state() === "untrusted" ? 0 : 1),
  );
  metrics.gauge(
    "latchkey_verifiers_connected",
    "Verifier streams open on this node.",
    () => deps.verifiers.hub.connected,
  );
  metrics.gauge(
    "latchkey_usage_pending_keys",
    "Keys whose last use waits for the next batched write.",
    () => deps.usage.pendingKeys,
  );

  // One query serves both gauges of a scrape: the second asks while the first's is under way.
  let reading: ReturnType<Deps["store"]["deliveryBacklog"]> | undefined;
  const backlog = () => {
    if (!reading) {
      reading = deps.store.deliveryBacklog();
      const done = () => {
        reading = undefined;
      };
      reading.then(done, done);
    }
    return reading;
  };
  metrics.gauge(
    "latchkey_webhook_pending_deliveries",
    "Webhook deliveries waiting to be sent to active endpoints (due or waiting for a retry).",
    async () => (await backlog()).pending,
  );
  metrics.gauge(
    "latchkey_webhook_oldest_pending_age_seconds",
    "Age of the oldest pending delivery to an active endpoint (0 when none): how far behind the webhooks are.",
    async () => {
      const { oldestCreatedAt } = await backlog();
      if (oldestCreatedAt === null) return 0;
      return Math.max(0, (deps.now().getTime() - instantMs(oldestCreatedAt)) / 1000);
    },
  );

  let listener: MetricsListener | undefined;
  app.addHook("onReady", async () => {
    if (config.metricsPort === undefined || listener) return;
    listener = await listenForScrapes(
      metrics.registry,
      config.metricsHost,
      config.metricsPort,
      (err) => app.log.error({ err }, "collecting the metrics failed"),
    );
    metrics.listeningAt = listener.url;
  });
  app.addHook("onClose", async () => {
    await listener?.close();
    listener = undefined;
  });
}
