import type { KeyUsage } from "./types.js";

/** One bar of a usage chart: an hour or a day, with the key's requests in it. */
export interface UsageBucket {
  /** The bucket's start, ISO 8601 in UTC like every time of the API. */
  start: string;
  verified: number;
  denied: number;
}

export interface UsageBucketOptions {
  /** One bucket per hour or per day. */
  size: "hour" | "day";
  /**
   * Where days start: at midnight UTC (the default) or at the runtime's local midnight, for a
   * person's calendar. Hours are the server's UTC hours either way.
   */
  zone?: "utc" | "local";
  /**
   * Only the last `count` buckets, up to the one that holds `to`; the window may then start
   * before `usage.from` (those buckets are empty). Without it: every bucket of the window.
   */
  count?: number;
  /** The end of the window (default `usage.to`), e.g. now. */
  to?: Date;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Calendar {
  /** The start of the bucket that holds `ms`. */
  floor(ms: number): number;
  /** The start of the bucket `n` buckets after the one starting at `ms`. */
  step(ms: number, n: number): number;
}

function fixed(size: number): Calendar {
  return {
    floor: (ms) => ms - (((ms % size) + size) % size),
    step: (ms, n) => ms + n * size,
  };
}

// Local days are counted on the calendar, not in steps of 24 hours: a day with a daylight-
// saving change has 23 or 25.
const localDays: Calendar = {
  floor: (ms) => {
    const d = new Date(ms);
    return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  },
  step: (ms, n) => {
    const d = new Date(ms);
    return new Date(d.getFullYear(), d.getMonth(), d.getDate() + n).getTime();
  },
};

/**
 * A key's usage (`apiKeyUsage`) as a chart needs it: every hour or day of the window, oldest
 * first, the empty ones included (the server leaves out hours without requests), each with the
 * requests of the server's hours that start in it. An hour counts for the day it starts in,
 * also in a time zone with a half-hour offset.
 *
 * @example
 * const usage = await client.apiKeyUsage(12, { hours: 24 * 7 });
 * const week = usageBuckets(usage, { size: "day", zone: "local", count: 7, to: new Date() });
 */
export function usageBuckets(usage: KeyUsage, options: UsageBucketOptions): UsageBucket[] {
  const calendar =
    options.size === "hour" ? fixed(HOUR) : options.zone === "local" ? localDays : fixed(DAY);
  const last = calendar.floor((options.to ?? new Date(usage.to)).getTime());
  const first =
    options.count === undefined
      ? calendar.floor(Date.parse(usage.from))
      : calendar.step(last, 1 - options.count);
  const buckets: UsageBucket[] = [];
  const index = new Map<number, UsageBucket>();
  for (let at = first; at <= last; at = calendar.step(at, 1)) {
    const bucket = { start: new Date(at).toISOString(), verified: 0, denied: 0 };
    buckets.push(bucket);
    index.set(at, bucket);
  }
  for (const row of usage.hours) {
    const bucket = index.get(calendar.floor(Date.parse(row.hour)));
    if (bucket === undefined) continue;
    bucket.verified += row.verified;
    bucket.denied += row.denied;
  }
  return buckets;
}
