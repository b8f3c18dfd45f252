import { type UsageBucket, usageBuckets } from "@latchkey/sdk";
import type { KeyUsage } from "../api/types.js";

/** One bar of a usage chart (the SDK's bucket), with what to call it. */
export interface UsageBar extends UsageBucket {
  /** Short label under the bar ("Mon 24", "2 PM"). */
  label: string;
  /** Full label for the table and screen readers ("Monday, November 24", "Nov 24, 2:00 PM–3:00 PM"). */
  long: string;
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

/** The last `days` local days, today last. */
export function dailyBuckets(usage: KeyUsage, days: number, now: Date = new Date()): UsageBar[] {
  return usageBuckets(usage, { size: "day", zone: "local", count: days, to: now }).map((b) => {
    const start = new Date(b.start);
    return { ...b, label: shortDay.format(start), long: longDay.format(start) };
  });
}

/** The last `hours` hours, the current one last, as the server counts them. */
export function hourlyBuckets(usage: KeyUsage, hours: number, now: Date = new Date()): UsageBar[] {
  return usageBuckets(usage, { size: "hour", count: hours, to: now }).map((b) => {
    const start = new Date(b.start);
    return {
      ...b,
      label: hourOnly.format(start),
      long: `${longHour.format(start)}–${shortHour.format(new Date(start.getTime() + HOUR))}`,
    };
  });
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
