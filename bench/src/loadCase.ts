import autocannon from "autocannon";
import type { BenchServer } from "./serverProcess.js";
import { percentile } from "./stats.js";

export type CaseName =
  | "bare_get"
  | "bare_post"
  | "floor"
  | "current_user"
  | "verify"
  | "unknown_key"
  | "current_user_info";

/**
 * Which process a case is sent to: the bare Fastify app of case (0), the server at the run's
 * log level, or the server at log level info.
 */
export type CaseTarget = "bare" | "server" | "serverInfo";

/** One kind of request, sent by many connections for a fixed time. */
export interface CaseSpec {
  name: CaseName;
  target: CaseTarget;
  /** The case (0) it is compared with: the bare app's route of the same method. */
  zero: "bare_get" | "bare_post";
  /** What the table calls it. */
  label: string;
  method: "GET" | "POST";
  path: string;
  /** Cycled through in order by every connection, each built once (no per-request work). */
  requests: autocannon.Request[];
  /** The status every answer must have; anything else is counted as unexpected. */
  expectStatus: number;
}

export interface LoadSettings {
  /** Seconds per measured round, and of warm-up. */
  duration: number;
  warmup: number;
  connections: number;
}

/** One round's figures, to show how much they varied. */
export interface RoundResult {
  /** The server process of the round: each round runs in a fresh one. */
  serverPid: number;
  requestsPerSecond: number;
  p99: number;
  serverCpuUsPerRequest: number | null;
}

export interface CaseResult {
  name: CaseName;
  label: string;
  method: string;
  path: string;
  distinctRequests: number;
  responses: number;
  seconds: number;
  requestsPerSecond: number;
  /** Over every answer, measured by the load generator with sub-millisecond resolution. */
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  /** Server process CPU (user + system) per answer; null where /proc is missing. */
  serverCpuUsPerRequest: number | null;
  /** The load generator's (this process's) CPU per answer. */
  clientCpuUsPerRequest: number;
  statuses: Record<string, number>;
  rounds: RoundResult[];
  /** Answers with another status than expected, plus connection errors and timeouts. */
  unexpected: number;
  errors: number;
  timeouts: number;
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Latencies in a growing typed array: millions of answers cost a few MB, not an object each. */
class Samples {
  private data = new Float64Array(1 << 16);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  /** The samples from `from` on, sorted. */
  sorted(from = 0): Float64Array {
    return this.data.slice(from, this.length).sort();
  }
}

async function fire(
  url: string,
  spec: CaseSpec,
  seconds: number,
  connections: number,
  onResponse?: (status: number, ms: number) => void,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        // autocannon stops at its first sample tick after the duration, a second apart by
        // default: ticks that divide the duration make a 0.5 s case last 0.5 s, not 1 s.
        sampleInt: (seconds * 1000) / Math.max(1, Math.ceil(seconds)),
        requests: spec.requests,
        timeout: 10,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    if (onResponse) {
      instance.on("response", (_client, statusCode, _bytes, responseTime) =>
        onResponse(statusCode, responseTime),
      );
    }
  });
}

/** Unmeasured load, so that the measured rounds see a warmed-up JIT, cache and pool. */
export async function warmUp(server: BenchServer, spec: CaseSpec, settings: LoadSettings) {
  if (settings.warmup > 0) await fire(server.url, spec, settings.warmup, settings.connections);
}

/** A case's measurements, pooled over its rounds. */
export class CaseMeasurement {
  private readonly samples = new Samples();
  private readonly statuses: Record<string, number> = {};
  private unexpectedStatus = 0;
  private errors = 0;
  private timeouts = 0;
  private seconds = 0;
  private cpuMs: number | null = 0;
  private readonly rounds: RoundResult[] = [];
  private clientCpuUs = 0;

  constructor(readonly spec: CaseSpec) {}

  /** Answers so far, over every round. */
  get answers(): number {
    return this.samples.length;
  }

  /** Each round's figures so far. */
  get roundResults(): readonly RoundResult[] {
    return this.rounds;
  }

  /** One round: `settings.duration` seconds of load. */
  async round(server: BenchServer, settings: LoadSettings): Promise<void> {
    const cpuBefore = server.cpuMs();
    const clientBefore = process.cpuUsage();
    const started = performance.now();
    const before = this.samples.length;
    const result = await fire(
      server.url,
      this.spec,
      settings.duration,
      settings.connections,
      (status, ms) => {
        this.samples.push(ms);
        this.statuses[status] = (this.statuses[status] ?? 0) + 1;
        if (status !== this.spec.expectStatus) this.unexpectedStatus++;
      },
    );
    const seconds = (performance.now() - started) / 1000;
    const client = process.cpuUsage(clientBefore);
    this.clientCpuUs += client.user + client.system;
    this.seconds += seconds;
    const cpuAfter = server.cpuMs();
    const answers = this.samples.length - before;
    this.rounds.push({
      serverPid: server.pid,
      requestsPerSecond: round(answers / seconds, 1),
      p99: round(percentile(this.samples.sorted(before), 99)),
      serverCpuUsPerRequest:
        cpuBefore === null || cpuAfter === null || answers === 0
          ? null
          : round(((cpuAfter - cpuBefore) * 1000) / answers, 1),
    });
    this.cpuMs =
      this.cpuMs === null || cpuBefore === null || cpuAfter === null
        ? null
        : this.cpuMs + cpuAfter - cpuBefore;
    this.errors += result.errors;
    this.timeouts += result.timeouts;
  }

  result(): CaseResult {
    const { spec, samples, seconds } = this;
    const sorted = samples.sorted();
    let sum = 0;
    for (const v of sorted) sum += v;
    const responses = samples.length;
    return {
      name: spec.name,
      label: spec.label,
      method: spec.method,
      path: spec.path,
      distinctRequests: spec.requests.length,
      responses,
      seconds: round(seconds),
      requestsPerSecond: round(seconds > 0 ? responses / seconds : 0, 1),
      latencyMs: {
        mean: round(responses ? sum / responses : 0),
        p50: round(percentile(sorted, 50)),
        p90: round(percentile(sorted, 90)),
        p99: round(percentile(sorted, 99)),
        max: round(sorted[sorted.length - 1] ?? 0),
      },
      serverCpuUsPerRequest:
        this.cpuMs === null || responses === 0 ? null : round((this.cpuMs * 1000) / responses, 1),
      clientCpuUsPerRequest: responses === 0 ? 0 : round(this.clientCpuUs / responses, 1),
      statuses: { ...this.statuses },
      rounds: [...this.rounds],
      unexpected: this.unexpectedStatus + this.errors + this.timeouts,
      errors: this.errors,
      timeouts: this.timeouts,
    };
  }
}
