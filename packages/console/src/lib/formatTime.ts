const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** "3 minutes ago", "in 29 days", "just now". */
export function relativeTime(iso: string, now: Date = new Date()): string {
  const diff = new Date(iso).getTime() - now.getTime();
  // A hair under a unit counts as one: an hour's grace window read a moment later is
  // "in 1 hour", not "in 60 minutes".
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms * 0.995) return relative.format(Math.round(diff / ms), unit);
  }
  return "just now";
}

/** The date and time in the reader's locale. */
export function absoluteTime(iso: string): string {
  return absolute.format(new Date(iso));
}
