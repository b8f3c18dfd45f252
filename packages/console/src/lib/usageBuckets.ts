import type { KeyUsage } from "../api/types.js";

/** One bar of a usage chart: a day or an hour, with what the key did in it. */
export interface UsageBucket {
  /** The bucket's start, ISO 8601. */
  start: string;
  /** Short label under the bar ("Mon 24", "2 PM"). */
  label: string;
  /** Full label for the table and screen readers ("Monday, November 24", "Nov 24, 2:00 PM–3:00 PM"). */
  long: string;
  verified: number;
  denied: number;
}

const HOUR = 3_600_000;
/** Enough hours to cover the last 7 days in any time zone: the console asks for this many. */
export const USAGE_HOURS = 8 * 24;

const weekday = new Intl.DateTimeFormat(undefined, { weekday: "short" });
const shortDay = { format: (d: Date) => `${weekday.format(d)} ${d.getDate()}` };
const longDay = new Intl.DateTimeFormat(undefined, {
  weekday: "long",
  day: "numeric",
  month: "long",
});
const hourOnly = new Intl.DateTimeFormat(undefined, { hour: "numeric" });
const shortHour = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const longHour = new Intl.DateTimeFormat(undefined, {
  day: "numeric",
  month: "short",
  hour: "numeric",
  minute: "2-digit",
});

function startOfLocalDay(date: Date): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

/**
 * The last `days` local days, today last, each with the requests of the server's hours that
 * start in it (hours are UTC; in a time zone with a half-hour offset an hour counts for the
 * day it starts in).
 */
export function dailyBuckets(usage: KeyUsage, days: number, now: Date = new Date()): UsageBucket[] {
  const today = startOfLocalDay(now);
  const buckets: UsageBucket[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const start = new Date(today.getFullYear(), today.getMonth(), today.getDate() - i);
    buckets.push({
      start: start.toISOString(),
      label: shortDay.format(start),
      long: longDay.format(start),
      verified: 0,
      denied: 0,
    });
  }
  for (const row of usage.hours) {
    const day = startOfLocalDay(new Date(row.hour)).toISOString();
    const bucket = buckets.find((b) => b.start === day);
    if (!bucket) continue;
    bucket.verified += row.verified;
    bucket.denied += row.denied;
  }
  return buckets;
}

/** The last `hours` hours, the current one last, as the server counts them. */
export function hourlyBuckets(
  usage: KeyUsage,
  hours: number,
  now: Date = new Date(),
): UsageBucket[] {
  const current = Math.floor(now.getTime() / HOUR) * HOUR;
  const counts = new Map(usage.hours.map((h) => [new Date(h.hour).getTime(), h]));
  const buckets: UsageBucket[] = [];
  for (let i = hours - 1; i >= 0; i--) {
    const start = new Date(current - i * HOUR);
    const row = counts.get(start.getTime());
    buckets.push({
      start: start.toISOString(),
      label: hourOnly.format(start),
      long: `${longHour.format(start)}–${shortHour.format(new Date(start.getTime() + HOUR))}`,
      verified: row?.verified ?? 0,
      denied: row?.denied ?? 0,
    });
  }
  return buckets;
}

/** Sums of a range of buckets. */
export function totalsOf(buckets: UsageBucket[]): { verified: number; denied: number } {
  return buckets.reduce(
    (sum, b) => ({ verified: sum.verified + b.verified, denied: sum.denied + b.denied }),
    { verified: 0, denied: 0 },
  );
}

/** "12 verified, 3 denied" / "no requests". */
export function countsText({ verified, denied }: { verified: number; denied: number }): string {
  if (verified === 0 && denied === 0) return "no requests";
  return `${verified} verified, ${denied} denied`;
}
