import { backoffMs } from "../backoff.js";
import { LatchkeyError } from "../latchkeyError.js";
import type { Verdict, VerifyInput } from "../types.js";
import { sha256 } from "./sha256.js";
import { EventParser, type StreamEvent } from "./sse.js";
import { defaultTransport, fetchTransport, type Reply, type Transport } from "./transport.js";
import { type Asked, VerifierCache } from "./verifierCache.js";

export interface VerifierOptions {
  /** The Latchkey server (any node), e.g. `https://keys.example.com`. */
  url: string;
  /** The verifier's token, from `POST /api/v0/verifiers/` (shown once). */
  token: string;
  /** Verdicts kept (one per key and question); the least recently used keys' go first. Default 10000. */
  cacheSize?: number;
  /** Time allowed for one verify call; default 5000 ms. */
  timeoutMs?: number;
  /**
   * A WHATWG fetch to talk to the server with. By default a verifier uses Node's own `http`
   * where it runs in Node (cheaper for the service it protects), else the global `fetch`.
   */
  fetch?: typeof fetch;
  /** Told of connection trouble (never with a secret in it); default: nothing. */
  onError?: (err: Error) => void;
}

/** A verifier's view of its stream. */
export type VerifierState = "connecting" | "trusted" | "untrusted" | "closed";

/** The verify call's answer as the verifier's route gives it. */
type VerifierVerdict = Verdict & { valid_until?: string | null };

const now = () => performance.now();

/**
 * Verifies keys in-process: a verdict the verifier holds for the same question (key,
 * category, route, params, IP) is answered without any network round trip, and every
 * revocation reaches it before the revoking call returns (docs/revocation.md, "Verifiers").
 *
 * It keeps a stream open to the server, applies each invalidation before acknowledging it,
 * and holds a lease renewed every few hundred ms; the moment the lease runs out (stream cut,
 * server unreachable) it stops answering from its cache and asks the server for every
 * request until the stream is back. It reconnects by itself, with backoff.
 *
 * @example
 * const verifier = new Verifier({ url: "http://127.0.0.1:8080", token: process.env.LATCHKEY_VERIFIER_TOKEN! });
 * await verifier.ready();
 * app.get("/things", requireKey({ verifier, category: "instance_read" }), handler);
 */
export class Verifier {
  private readonly cache: VerifierCache;
  private readonly base: string;
  private readonly transport: Transport;
  private readonly timeoutMs: number;
  private closed = false;
  private connection: string | undefined;
  private stream: AbortController | undefined;
  private renewMs = 250;
  private leaseMs = 0;
  private renewTimer: ReturnType<typeof setInterval> | undefined;
  private lastHeard = 0;
  private acking = false;
  private ackAgain = false;
  private readonly inFlight = new Map<string, { began: number; answer: Promise<Verdict> }>();
  /** Each connection's last key and its SHA-256 (see `cached`). */
  private readonly lastKeys = new WeakMap<object, { key: string; keyHash: string }>();
  private readyWaiters: { resolve(): void; reject(err: Error): void }[] = [];
  private everReady = false;
  /** The server's refusal of the token on the last attempt to connect, if it refused it. */
  private refused: LatchkeyError | undefined;
  private sleeper: { timer: ReturnType<typeof setTimeout>; wake(): void } | undefined;
  /** Verdicts answered from the cache, and verify calls made. */
  readonly stats = { hits: 0, calls: 0, reconnects: 0 };

  constructor(private readonly options: VerifierOptions) {
    if (!/^https?:\/\//.test(options.url)) {
      throw new TypeError("url must be the server's http:// or https:// address");
    }
    if (typeof options.token !== "string" || options.token.length === 0) {
      throw new TypeError("token must be a verifier's token (POST /api/v0/verifiers/ makes one)");
    }
    this.base = options.url.replace(/\/+$/, "");
    this.cache = new VerifierCache(options.cacheSize ?? 10_000);
    this.transport = options.fetch
      ? fetchTransport(options.fetch.bind(globalThis))
      : defaultTransport(globalThis.fetch?.bind(globalThis));
    this.timeoutMs = options.timeoutMs ?? 5000;
    void this.run();
  }

  /**
   * Resolves once the stream is up and the cache may answer; rejects if the server refuses
   * the token (deleted, or not a verifier's). Verifying before then works, without the cache.
   */
  ready(): Promise<void> {
    if (this.closed) return Promise.reject(new Error("the verifier is closed"));
    if (this.state() === "trusted") return Promise.resolve();
    if (this.refused) return Promise.reject(this.refused);
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /**
   * Closes the stream; later calls of `verify` ask the server every time. Resolves once the
   * server was told (at most a second), so that revocations stop waiting for this verifier's
   * lease: await it before a process exits.
   */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const connection = this.connection;
    this.cache.lost();
    // Nothing is answered from the cache any more: revocations need not wait out the lease.
    const told =
      connection === undefined
        ? Promise.resolve()
        : this.call(
            "/api/v0/verifiers/ack/",
            { connection, seq: this.cache.appliedUpTo, release: true },
            1000,
          ).then(
            () => {},
            () => {},
          );
    const done = told.then(() => this.transport.close());
    this.stream?.abort();
    clearInterval(this.renewTimer);
    if (this.sleeper) {
      clearTimeout(this.sleeper.timer);
      this.sleeper.wake();
    }
    for (const w of this.readyWaiters.splice(0)) w.reject(new Error("the verifier is closed"));
    return done;
  }

  state(): VerifierState {
    if (this.closed) return "closed";
    if (this.cache.trusted(now())) return "trusted";
    return this.connection === undefined ? "connecting" : "untrusted";
  }

  /** Verdicts held. */
  get size(): number {
    return this.cache.size;
  }

  /**
   * The verdict held for a question, without asking the server: undefined when none is held,
   * or the lease is not running. What `verify` answers first, synchronously.
   *
   * `connection` is an object that lives as long as the client's connection (its socket):
   * the verifier then remembers the hash of the last key sent on it, so that a client that
   * sends the same key on a kept-alive connection has it hashed once. The key stays held
   * there, as the connection's own request held it, until the connection is gone.
   */
  cached(question: VerifyInput, connection?: object): Verdict | undefined {
    const keyHash = this.keyHashOn(question.key, connection);
    const cached = this.cache.get(keyHash, askedOf(question), now());
    if (cached !== undefined) this.stats.hits++;
    return cached;
  }

  /**
   * The SHA-256 of `key`, remembered for the connection's last key: a client that sends the
   * same key again is not hashed again. One record per connection, updated in place, so that
   * a connection carrying a different key each time (a proxy's) costs no allocation.
   */
  private keyHashOn(key: string, connection: object | undefined): string {
    if (connection === undefined) return sha256(key);
    const last = this.lastKeys.get(connection);
    if (last === undefined) {
      const keyHash = sha256(key);
      this.lastKeys.set(connection, { key, keyHash });
      return keyHash;
    }
    if (last.key !== key) {
      last.key = key;
      last.keyHash = sha256(key);
    }
    return last.keyHash;
  }

  /**
   * The verdict for a question: from the cache when it holds a fresh one, else from the
   * server (one call for concurrent identical questions), kept for next time if VALID.
   */
  verify(question: VerifyInput): Promise<Verdict> {
    const keyHash = sha256(question.key);
    const asked = askedOf(question);
    const cached = this.cache.get(keyHash, asked, now());
    if (cached !== undefined) {
      this.stats.hits++;
      return Promise.resolve(cached);
    }
    const digest = digestWith(keyHash, asked);
    const joined = this.inFlight.get(digest);
    // Joined only while nothing was invalidated since it began: its answer may predate it.
    if (joined !== undefined && joined.began === this.cache.generationNow) return joined.answer;
    const began = this.cache.begin();
    const answer = this.ask(question).then(
      (verdict) => {
        if (this.inFlight.get(digest)?.answer === answer) this.inFlight.delete(digest);
        const until = verdict.valid_until ? Date.parse(verdict.valid_until) : null;
        const validFor = until === null ? null : Number.isNaN(until) ? 0 : until - Date.now();
        this.cache.fill(keyHash, asked, verdict, began, now(), validFor);
        return verdict;
      },
      (err: unknown) => {
        if (this.inFlight.get(digest)?.answer === answer) this.inFlight.delete(digest);
        this.cache.abandon();
        throw err;
      },
    );
    this.inFlight.set(digest, { began, answer });
    return answer;
  }

  private async ask(question: VerifyInput): Promise<VerifierVerdict> {
    this.stats.calls++;
    const reply = await this.call("/api/v0/verifiers/verify/", question, this.timeoutMs);
    return JSON.parse(reply.text) as VerifierVerdict;
  }

  /** A POST with the token; a LatchkeyError for anything but 2xx. */
  private async call(path: string, body: unknown, timeoutMs: number): Promise<Reply> {
    let reply: Reply;
    try {
      reply = await this.transport.post(
        this.base + path,
        {
          authorization: `Bearer ${this.options.token}`,
          "content-type": "application/json",
          accept: "application/json",
        },
        JSON.stringify(body),
        timeoutMs,
      );
    } catch (err) {
      const timeout = err instanceof Error && err.name === "TimeoutError";
      throw new LatchkeyError({
        status: 0,
        code: timeout ? "timeout" : "network_error",
        msg: timeout ? `no answer within ${timeoutMs} ms` : "could not reach the server",
        cause: err,
      });
    }
    if (reply.status < 200 || reply.status > 299) throw errorOf(reply);
    return reply;
  }

  /** Keeps the stream open: connect, read until it ends, forget everything, back off, again. */
  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.closed) {
      const sentAt = now();
      const stream = new AbortController();
      this.stream = stream;
      let connected = false;
      try {
        const response = await this.transport.stream(
          `${this.base}/api/v0/verifiers/stream/`,
          { authorization: `Bearer ${this.options.token}`, accept: "text/event-stream" },
          stream.signal,
        );
        if (response.status !== 200) {
          const err = errorOf({ ...response, text: await response.text() });
          // A refused token will not get better by itself: say so to whoever waits.
          if (response.status === 401 || response.status === 403) {
            this.refused = err;
            for (const w of this.readyWaiters.splice(0)) w.reject(err);
          }
          throw err;
        }
        const parser = new EventParser();
        this.lastHeard = now();
        for await (const value of response.chunks) {
          this.lastHeard = now();
          for (const event of parser.push(value)) {
            if (this.apply(event, sentAt)) connected = true;
          }
        }
      } catch (err) {
        if (!this.closed && !stream.signal.aborted) this.report(err);
      } finally {
        this.disconnected(stream);
      }
      if (this.closed) break;
      attempt = connected ? 0 : attempt + 1;
      this.stats.reconnects++;
      await this.sleep(connected ? 50 : backoffMs(Math.min(attempt, 6)));
    }
  }

  /** Applies one event; true for the hello. */
  private apply(event: StreamEvent, sentAt: number): boolean {
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(event.data) as Record<string, unknown>;
    } catch {
      return false;
    }
    const seq = typeof data.seq === "number" ? data.seq : 0;
    switch (event.event) {
      case "hello": {
        this.connection = String(data.connection);
        this.refused = undefined;
        this.cache.connected(seq);
        this.renewMs = typeof data.renew_ms === "number" ? data.renew_ms : this.renewMs;
        this.leaseMs = typeof data.lease_ms === "number" ? data.lease_ms : 0;
        this.cache.grant(sentAt, this.leaseMs, seq);
        clearInterval(this.renewTimer);
        this.renewTimer = setInterval(() => this.tick(), this.renewMs);
        (this.renewTimer as { unref?: () => void }).unref?.();
        this.wakeReady();
        return true;
      }
      case "invalidate": {
        const ids = Array.isArray(data.key_ids)
          ? data.key_ids.filter((id): id is number => typeof id === "number")
          : [];
        this.cache.invalidate(ids, seq);
        this.acknowledge();
        return false;
      }
      case "reset":
        this.cache.reset(seq);
        this.acknowledge();
        return false;
      default:
        // heartbeat, cut: nothing to apply (a cut ends the stream next).
        return false;
    }
  }

  /** Renews the lease, and gives up on a stream that has gone silent for a whole lease. */
  private tick(): void {
    const silentFor = now() - this.lastHeard;
    if (this.connection !== undefined && silentFor > Math.max(this.leaseMs, 4 * this.renewMs)) {
      this.stream?.abort();
      return;
    }
    this.acknowledge();
  }

  /** One acknowledgement in flight at a time; one more afterwards if events came meanwhile. */
  private acknowledge(): void {
    if (this.acking) {
      this.ackAgain = true;
      return;
    }
    const connection = this.connection;
    if (connection === undefined) return;
    this.acking = true;
    const sentAt = now();
    const seq = this.cache.appliedUpTo;
    const stream = this.stream;
    this.call("/api/v0/verifiers/ack/", { connection, seq }, Math.max(1000, this.leaseMs))
      .then((reply) => {
        const grant = JSON.parse(reply.text) as { lease_ms: number; seq: number };
        if (this.connection === connection) {
          this.cache.grant(sentAt, grant.lease_ms, grant.seq);
          if (this.cache.trusted(now())) this.wakeReady();
        }
      })
      .catch((err: unknown) => {
        // The node no longer knows this stream (it was cut off, or the node restarted).
        if (err instanceof LatchkeyError && err.status === 404 && this.stream === stream) {
          stream?.abort();
        } else if (!this.closed) this.report(err);
      })
      .finally(() => {
        this.acking = false;
        if (this.ackAgain) {
          this.ackAgain = false;
          this.acknowledge();
        }
      });
  }

  private disconnected(stream: AbortController): void {
    if (this.stream === stream) this.stream = undefined;
    stream.abort();
    this.connection = undefined;
    clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    this.cache.lost();
  }

  private wakeReady(): void {
    if (!this.cache.trusted(now())) return;
    this.everReady = true;
    for (const w of this.readyWaiters.splice(0)) w.resolve();
  }

  private report(err: unknown): void {
    this.options.onError?.(err instanceof Error ? err : new Error(String(err)));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeper = undefined;
        resolve();
      }, ms);
      this.sleeper = { timer, wake: resolve };
    });
  }

  /** Whether the verifier has ever been ready (for tests and health checks). */
  get wasReady(): boolean {
    return this.everReady;
  }
}

/**
 * Every field of a question, so that adding one to the verify API fails to compile until
 * `askedOf` (the cache's comparison) and `digestOf` cover it: two questions that differ in a
 * field must not share a verdict.
 */
const QUESTION_FIELDS: Record<keyof VerifyInput, true> = {
  key: true,
  category: true,
  route: true,
  params: true,
  ip: true,
};
void QUESTION_FIELDS;

/**
 * The verify calls' join key of one question (concurrent identical questions share one call):
 * the SHA-256 of its key, then its other fields, one per line, so that no secret is a map
 * key. A key, a category, a route name and an IP address hold no line break, JSON escapes its
 * own, and a digest holds none (base64): two questions with the same join key are the same.
 */
export function digestOf(q: VerifyInput): string {
  return digestWith(sha256(q.key), askedOf(q));
}

function digestWith(keyHash: string, asked: Asked): string {
  return `${keyHash}\n${asked.category ?? ""}\n${asked.route ?? ""}\n${asked.ip ?? ""}\n${asked.params}`;
}

/** A question's fields other than the key, as the cache compares them. */
function askedOf(q: VerifyInput): Asked {
  return {
    category: q.category,
    route: q.route,
    ip: q.ip,
    params: q.params === undefined ? "" : JSON.stringify(q.params),
  };
}

function errorOf(reply: Reply): LatchkeyError {
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(reply.text) as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  const code = typeof body?.error === "string" ? body.error : `http_${reply.status}`;
  const msg = typeof body?.msg === "string" ? body.msg : `HTTP ${reply.status}`;
  const retry = reply.header("retry-after");
  return new LatchkeyError({
    status: reply.status,
    code,
    msg,
    requestId: reply.header("x-request-id"),
    body,
    retryAfter: retry !== undefined && /^\d+$/.test(retry) ? Number(retry) : undefined,
  });
}
