import { createRequire } from "node:module";
import type { Redis } from "ioredis";
import { type Hit, type RateLimiter, toHit } from "./rateLimiter.js";

/** INCR and set the expiry on the first hit, atomically; returns the count and the time left. */
const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
`;

/** DECR a live counter above 0 (DECR keeps the expiry); an absent or expired one stays absent. */
const RELEASE_SCRIPT = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return n
`;

const CONNECT_TIMEOUT_MS = 2000;

/** ioredis, loaded (synchronously: it is CommonJS) only by a server that uses Redis. */
const loadRedis = (): typeof import("ioredis") => createRequire(import.meta.url)("ioredis");

/**
 * Counters in Redis, shared by every node. When Redis cannot be reached the request is counted
 * by the node's own memory limiter instead: limits stay in force (per node) and the API stays up.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly fallback: RateLimiter,
    private readonly onError: (err: unknown) => void,
    private readonly prefix = "latchkey:rl:",
  ) {
    const { Redis } = loadRedis();
    this.redis = new Redis(url, {
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: CONNECT_TIMEOUT_MS,
      commandTimeout: 500,
    });
    this.redis.on("error", (err) => this.onError(err));
  }

  async hit(bucket: string, limit: number, windowMs: number): Promise<Hit> {
    try {
      const [count, ttl] = (await this.redis.eval(
        HIT_SCRIPT,
        1,
        `${this.prefix}${windowMs}:${bucket}`,
        windowMs,
      )) as [number, number];
      return toHit(count, limit, ttl);
    } catch (err) {
      this.onError(err);
      return this.fallback.hit(bucket, limit, windowMs);
    }
  }

  async peek(bucket: string, windowMs: number) {
    const key = `${this.prefix}${windowMs}:${bucket}`;
    try {
      const [[, count], [, ttl]] = (await this.redis.multi().get(key).pttl(key).exec()) as [
        [unknown, string | null],
        [unknown, number],
      ];
      return { count: Number(count ?? 0), resetMs: Math.max(0, ttl) };
    } catch (err) {
      this.onError(err);
      return this.fallback.peek(bucket, windowMs);
    }
  }

  async release(bucket: string, windowMs: number): Promise<void> {
    try {
      await this.redis.eval(RELEASE_SCRIPT, 1, `${this.prefix}${windowMs}:${bucket}`);
    } catch (err) {
      this.onError(err);
      await this.fallback.release(bucket, windowMs);
    }
  }

  /**
   * Resolves once Redis is connected, or after the connection timeout (then the fallback
   * counts until it is). Until then every hit would go to the fallback, and a caller's count
   * would be split between the two: a server waits for this before it listens.
   */
  ready(): Promise<void> {
    if (this.redis.status === "ready") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.redis.off("ready", done);
        resolve();
      };
      const timer = setTimeout(done, CONNECT_TIMEOUT_MS);
      this.redis.once("ready", done);
    });
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    await this.fallback.close();
  }
}
