const units: readonly [string, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** "3 minutes ago", "in 29 days", "just now". */
export function relativeTime(at: Date, now: Date): string {
  const seconds = Math.round((at.getTime() - now.getTime()) / 1000);
  const magnitude = Math.abs(seconds);
  if (magnitude < 60) return "just now";
  for (const [unit, size] of units) {
    if (magnitude >= size) {
      const count = Math.floor(magnitude / size);
      const phrase = `${count} ${unit}${count === 1 ? "" : "s"}`;
      return seconds < 0 ? `${phrase} ago` : `in ${phrase}`;
    }
  }
  return "just now";
}

/** "2026-01-31 14:05 UTC": absolute, unambiguous and the same on every machine. */
export function absoluteTime(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/**
 * Both forms, for people: "2026-01-31 14:05 UTC (3 minutes ago)". `missing` is shown for null,
 * e.g. "never" for a key not used yet.
 */
export function formatTime(iso: string | null | undefined, now: Date, missing = "—"): string {
  if (iso === null || iso === undefined || iso === "") return missing;
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return `${absoluteTime(at)} (${relativeTime(at, now)})`;
}
