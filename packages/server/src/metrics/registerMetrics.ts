import { instantMs } from "@latchkey/core";
import type { FastifyInstance, onResponseHookHandler } from "fastify";
import type { Deps } from "../deps.js";
import { PromMetrics } from "./metrics.js";
import { listenForScrapes, type MetricsListener } from "./metricsListener.js";

/**
 * Wires Prometheus metrics into the app when they are on: the request histogram (a hook on
 * each route, see countRequests), the gauges read at scrape time, and the separate listener,
 * started when the app is ready (a taken port stops start-up) and closed with it. With
 * metrics off it adds nothing, so the request path pays nothing. Called before any route is
 * registered.
 */
export function registerMetrics(app: FastifyInstance, deps: Deps): void {
  const metrics = deps.metrics;
  if (!(metrics instanceof PromMetrics)) return;
  const { config } = deps;

  countRequests(app, metrics);

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

/**
 * The request histogram. Each route's series are resolved once, when the route is registered
 * (so this must be called before any route is), and the route's own onResponse hook adds to
 * them: a request looks nothing up, not even `request.routeOptions`, which Fastify builds anew
 * on every read. The label is the route's pattern, never the URL: a URL may hold anything a
 * client put in it.
 */
export function countRequests(app: FastifyInstance, metrics: PromMetrics): void {
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const byMethod = new Map(methods.map((m) => [m, metrics.routeRequests(m, route.url)]));
    const only = methods.length === 1 ? byMethod.get(methods[0] as string) : undefined;
    const observe: onResponseHookHandler = only
      ? (_request, reply, done) => {
          only.observe(reply.statusCode, reply.elapsedTime / 1000);
          done();
        }
      : (request, reply, done) => {
          byMethod.get(request.method)?.observe(reply.statusCode, reply.elapsedTime / 1000);
          done();
        };
    // A new array: Fastify registers a GET route's HEAD twin from the options as given, and
    // the twin gets a hook of its own through this same onRoute.
    route.onResponse = [...[route.onResponse ?? []].flat(), observe];
  });
  // Requests no route matched are answered by the not-found handler, which only global hooks
  // reach: one series per method, whatever the URL.
  app.addHook("onResponse", (request, reply, done) => {
    if (request.is404) {
      metrics
        .routeRequests(request.method, "unmatched")
        .observe(reply.statusCode, reply.elapsedTime / 1000);
    }
    done();
  });
}
