import type { LeaseLossReason, RevocationBus } from "@latchkey/core";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Config } from "../config.js";
import { FastHistogram, type HistogramSeries } from "./fastHistogram.js";

/**
 * What a request, a key check or a background task reports to the metrics. The parts of the
 * server take this interface (or one of its observers), never prom-client: with metrics off
 * they get `noMetrics`, whose methods do nothing. No method takes a key id, an email or a
 * secret: labels come from the fixed sets below, so nothing identifying reaches a scrape.
 */
export interface Metrics {
  readonly enabled: boolean;
  readonly cache: CacheObserver;
  readonly usage: UsageObserver;
  readonly deliveries: DeliveryObserver;
  /** Verifiers' acknowledgements and the leases this node took from them. */
  readonly verifiers: VerifierObserver;
  /** The outcome of a key check: a REST request's authentication, or a verify API call. */
  outcome(path: CheckPath, code: OutcomeCode): void;
  /** A request refused by a rate limit or a throttle. */
  refused(limit: RefusalLimit): void;
  /** The bus, counting and timing the revocations sent through it and the leases lost. */
  observeRevocations(bus: RevocationBus): RevocationBus;
  /** Where the metrics listener answers, once it listens; undefined with metrics off. */
  scrapeUrl(): string | undefined;
}

export type CheckPath = "rest" | "verify";

/** The verify API's codes; a REST request's authentication is counted in the same words. */
export const outcomeCodes = [
  "VALID",
  "NOT_FOUND",
  "REVOKED",
  "EXPIRED",
  "FORBIDDEN",
  "IP_NOT_ALLOWED",
  "RATE_LIMITED",
] as const;
export type OutcomeCode = (typeof outcomeCodes)[number];

export const refusalLimits = [
  "route",
  "sensitive",
  "failed_auth",
  "denied_use",
  "login",
  "account_keys",
  "verify",
] as const;
/** Which limit refused: LATCHKEY_RATE_LIMIT, _SENSITIVE_, _FAILED_AUTH_, _DENIED_USE_, … */
export type RefusalLimit = (typeof refusalLimits)[number];

const leaseLossReasons: readonly LeaseLossReason[] = ["evicted", "channel_lost", "lapsed"];

export interface CacheObserver {
  hit(): void;
  miss(): void;
  /** Refused from the record of secrets found unknown: no database read either. */
  unknown(): void;
  /** Not asked: the cache may not be trusted right now (revocation channel down). */
  bypassed(): void;
  evicted(): void;
}

export interface UsageObserver {
  /** A batched write of last uses and counts; `rows` is how many rows it wrote. */
  flushed(rows: number, seconds: number, ok: boolean): void;
}

export const deliveryOutcomes = ["delivered", "retrying", "failed", "abandoned"] as const;
/** `abandoned`: the node stopped mid-attempt, the delivery is due again at once. */
export type DeliveryOutcome = (typeof deliveryOutcomes)[number];

export interface DeliveryObserver {
  attempted(outcome: DeliveryOutcome): void;
}

/**
 * `ack_timeout`: a verifier acknowledged too late and was cut off; `disconnected`: its stream
 * ended with an invalidation unacknowledged. Either way a revocation waited out its lease.
 */
export const verifierLeaseLosses = ["ack_timeout", "disconnected"] as const;
export type VerifierLeaseLoss = (typeof verifierLeaseLosses)[number];

export interface VerifierObserver {
  /** An invalidation acknowledged, `seconds` after it was sent. */
  acked(seconds: number): void;
  leaseLost(reason: VerifierLeaseLoss): void;
}

const nothing = () => {};

/** Metrics off: every report is a call that does nothing. */
export const noMetrics: Metrics = Object.freeze({
  enabled: false,
  cache: Object.freeze({
    hit: nothing,
    miss: nothing,
    unknown: nothing,
    bypassed: nothing,
    evicted: nothing,
  }),
  usage: Object.freeze({ flushed: nothing }),
  deliveries: Object.freeze({ attempted: nothing }),
  verifiers: Object.freeze({ acked: nothing, leaseLost: nothing }),
  outcome: nothing,
  refused: nothing,
  observeRevocations: (bus: RevocationBus) => bus,
  scrapeUrl: () => undefined,
});

/** Prometheus metrics when the configuration asks for a metrics listener, else none. */
export function createMetrics(config: Pick<Config, "metricsPort">): Metrics {
  return config.metricsPort === undefined ? noMetrics : new PromMetrics();
}

/** Request latency, in seconds: fine below a millisecond, where a cached key's request is. */
const REQUEST_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];
/** A revocation's wait for every node: milliseconds when all are healthy, ~1.6 leases if not. */
const REVOCATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Counts<K extends string> = Record<K, number>;

function zeros<K extends string>(names: readonly K[]): Counts<K> {
  return Object.fromEntries(names.map((n) => [n, 0])) as Counts<K>;
}

/** The status class label of an HTTP status: `2xx`, `4xx`… */
function statusClass(status: number): number {
  const c = (status / 100) | 0;
  return c >= 1 && c <= 5 ? c : 0;
}

/**
 * The requests of one route and method: a series per status class, each made on the class's
 * first answer (so that a scrape lists only classes that happened) and kept.
 */
export class RouteRequests {
  /** Index: the status class (1 to 5; 0 for anything else). */
  private readonly classes: (HistogramSeries | undefined)[] = [
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
  ];

  constructor(
    private readonly histogram: FastHistogram,
    private readonly method: string,
    private readonly route: string,
  ) {}

  /** One answer: its status and how long it took, in seconds. */
  observe(status: number, seconds: number): void {
    const c = statusClass(status);
    (this.classes[c] ?? this.seriesOf(c)).observe(seconds);
  }

  private seriesOf(c: number): HistogramSeries {
    const series = this.histogram.seriesOf({
      method: this.method,
      route: this.route,
      status_class: c === 0 ? "other" : `${c}xx`,
    });
    this.classes[c] = series;
    return series;
  }
}

/**
 * Metrics on: one prom-client Registry per app (never the library's global one, so that
 * several apps in one process, as in the tests, count apart). Reports on the request path
 * add to plain numbers, which the registry reads at scrape time.
 */
export class PromMetrics implements Metrics {
  readonly enabled = true;
  readonly registry = new Registry();
  private readonly checks: Record<CheckPath, Counts<OutcomeCode>> = {
    rest: zeros(outcomeCodes),
    verify: zeros(outcomeCodes),
  };
  private readonly cacheCounts = { hit: 0, miss: 0, unknown: 0, bypassed: 0, evicted: 0 };
  private readonly refusals = zeros(refusalLimits);
  private readonly requests = new FastHistogram(
    "latchkey_http_request_duration_seconds",
    "HTTP requests of the API and console by method, route pattern and status class, and their latency; _count is the number of requests.",
    REQUEST_BUCKETS,
  );
  /** Series by route pattern, then method. */
  private readonly byRoute = new Map<string, Map<string, RouteRequests>>();
  private readonly revocationsSent: Counter;
  private readonly revocationWait: Histogram;
  private readonly revocationFailures: Counter;
  private readonly leasesLost: Counter<"reason">;

  readonly cache: CacheObserver;
  readonly usage: UsageObserver;
  readonly deliveries: DeliveryObserver;
  readonly verifiers: VerifierObserver;
  /** Set by the metrics listener once it listens. */
  listeningAt: string | undefined;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.registry.registerMetric(this.requests.asMetric());
    const checks = this.checks;
    new Counter({
      name: "latchkey_key_checks_total",
      help: "Outcomes of key checks by code: path=rest for the API's own authentication, path=verify for the verify API.",
      labelNames: ["path", "code"],
      registers,
      collect() {
        this.reset();
        for (const path of ["rest", "verify"] as const) {
          for (const code of outcomeCodes) this.inc({ path, code }, checks[path][code]);
        }
      },
    });
    const cache = this.cacheCounts;
    new Counter({
      name: "latchkey_key_cache_lookups_total",
      help: "Key-cache look-ups: hit, miss (read from the database), unknown (refused as a secret found unknown before, no read), bypassed (cache not trusted, revocation channel down).",
      labelNames: ["result"],
      registers,
      collect() {
        this.reset();
        for (const result of ["hit", "miss", "unknown", "bypassed"] as const)
          this.inc({ result }, cache[result]);
      },
    });
    new Counter({
      name: "latchkey_key_cache_evictions_total",
      help: "Keys dropped from the full key cache to make room (LATCHKEY_KEY_CACHE_SIZE).",
      registers,
      collect() {
        this.reset();
        this.inc(cache.evicted);
      },
    });
    const refusals = this.refusals;
    new Counter({
      name: "latchkey_refusals_total",
      help: "Requests refused by a rate limit or throttle (429 or RATE_LIMITED), by the limit that refused.",
      labelNames: ["limit"],
      registers,
      collect() {
        this.reset();
        for (const limit of refusalLimits) this.inc({ limit }, refusals[limit]);
      },
    });
    this.revocationsSent = new Counter({
      name: "latchkey_revocations_total",
      help: "Revocations (deletes, resets, ended sessions) announced to every node's key cache.",
      registers,
    });
    this.revocationWait = new Histogram({
      name: "latchkey_revocation_confirm_seconds",
      help: "Time from announcing a revocation until every node acknowledged it (or its lease ran out).",
      buckets: REVOCATION_BUCKETS,
      registers,
    });
    this.revocationFailures = new Counter({
      name: "latchkey_revocation_failures_total",
      help: "Revocations whose announcement failed (the database did not answer); the request failed too.",
      registers,
    });
    this.leasesLost = new Counter({
      name: "latchkey_cache_leases_lost_total",
      help: "Times this node stopped trusting its key cache: evicted by another node, revocation channel lost, or lease run out.",
      labelNames: ["reason"],
      registers,
    });
    this.cache = {
      hit: () => {
        cache.hit++;
      },
      miss: () => {
        cache.miss++;
      },
      unknown: () => {
        cache.unknown++;
      },
      bypassed: () => {
        cache.bypassed++;
      },
      evicted: () => {
        cache.evicted++;
      },
    };
    const flushes = new Counter({
      name: "latchkey_usage_flushes_total",
      help: "Batched writes of keys' last use and usage counts, by result.",
      labelNames: ["result"],
      registers,
    });
    const flushRows = new Counter({
      name: "latchkey_usage_flush_rows_total",
      help: "Rows written by the batched usage writes (one per key and hour).",
      registers,
    });
    const flushSeconds = new Histogram({
      name: "latchkey_usage_flush_seconds",
      help: "Duration of the batched usage writes.",
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    for (const result of ["ok", "error"]) flushes.inc({ result }, 0);
    this.usage = {
      flushed: (rows, seconds, ok) => {
        flushes.inc({ result: ok ? "ok" : "error" });
        if (ok) flushRows.inc(rows);
        flushSeconds.observe(seconds);
      },
    };
    const deliveries = new Counter({
      name: "latchkey_webhook_deliveries_total",
      help: "Webhook delivery attempts by outcome: delivered, retrying (failed, retried later), failed (no retry left), abandoned (node stopping).",
      labelNames: ["outcome"],
      registers,
    });
    for (const outcome of deliveryOutcomes) deliveries.inc({ outcome }, 0);
    this.deliveries = { attempted: (outcome) => deliveries.inc({ outcome }) };
    const verifierAcks = new Histogram({
      name: "latchkey_verifier_ack_seconds",
      help: "Time from sending an invalidation to a verifier until it acknowledged having applied it.",
      buckets: REVOCATION_BUCKETS,
      registers,
    });
    const verifierLeases = new Counter({
      name: "latchkey_verifier_leases_lost_total",
      help: "Verifier streams this node gave up on while an invalidation waited (ack_timeout: acknowledged too late, cut off; disconnected: stream ended); a revocation then waited out the lease.",
      labelNames: ["reason"],
      registers,
    });
    for (const reason of verifierLeaseLosses) verifierLeases.inc({ reason }, 0);
    this.verifiers = {
      acked: (seconds) => verifierAcks.observe(seconds),
      leaseLost: (reason) => verifierLeases.inc({ reason }),
    };
    for (const reason of leaseLossReasons) this.leasesLost.inc({ reason }, 0);
  }

  scrapeUrl(): string | undefined {
    return this.listeningAt;
  }

  outcome(path: CheckPath, code: OutcomeCode): void {
    this.checks[path][code]++;
  }

  refused(limit: RefusalLimit): void {
    this.refusals[limit]++;
  }

  /**
   * The series of one route pattern and method (`/api/v0/auth/apikeys/:id/`, never a URL;
   * "unmatched" when no route matched), made once and kept by the caller: registerMetrics
   * resolves each route's when the route is registered, so that a request only adds to it.
   */
  routeRequests(method: string, route: string): RouteRequests {
    let byMethod = this.byRoute.get(route);
    if (!byMethod) {
      byMethod = new Map();
      this.byRoute.set(route, byMethod);
    }
    let requests = byMethod.get(method);
    if (!requests) {
      requests = new RouteRequests(this.requests, method, route);
      byMethod.set(method, requests);
    }
    return requests;
  }

  observeRevocations(bus: RevocationBus): RevocationBus {
    return {
      attach: (listener) =>
        bus.attach({
          ...listener,
          leaseLost: (reason) => {
            this.leasesLost.inc({ reason });
            listener.leaseLost?.(reason);
          },
        }),
      cacheTrusted: () => bus.cacheTrusted(),
      trustRemainingMs: () => bus.trustRemainingMs(),
      ...(bus.nodeId === undefined ? {} : { nodeId: bus.nodeId }),
      revoked: async (keyIds) => {
        this.revocationsSent.inc();
        const stop = this.revocationWait.startTimer();
        try {
          await bus.revoked(keyIds);
          stop();
        } catch (err) {
          this.revocationFailures.inc();
          throw err;
        }
      },
      state: () => bus.state(),
      close: () => bus.close(),
    };
  }

  /**
   * A gauge read at scrape time (the cache's size, the webhook backlog…). One that cannot be
   * read (the database down) is NaN, so that the scrape still has every other metric.
   */
  gauge(name: string, help: string, read: () => number | Promise<number>): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        try {
          this.set(await read());
        } catch {
          this.set(Number.NaN);
        }
      },
    });
  }
}
