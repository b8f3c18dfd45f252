const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;

/**
 * Seconds in a duration as people type it: plain seconds (`3600`), or numbers with units
 * (`90m`, `24h`, `7d`, `1w`, `1h30m`). Undefined when `raw` is not a duration.
 */
export function durationSeconds(raw: string): number | undefined {
  const text = raw.trim().toLowerCase();
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^(\d+[smhdw])+$/.test(text)) return undefined;
  let total = 0;
  for (const [, count, unit] of text.matchAll(/(\d+)([smhdw])/g)) {
    total += Number(count) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS];
  }
  return total;
}

/** "1 hour", "90 minutes", "7 days": the largest unit that divides the duration exactly. */
export function describeSeconds(seconds: number): string {
  const units: readonly [string, number][] = [
    ["day", 86_400],
    ["hour", 3600],
    ["minute", 60],
    ["second", 1],
  ];
  for (const [unit, size] of units) {
    if (seconds >= size && seconds % size === 0) {
      const count = seconds / size;
      return `${count} ${unit}${count === 1 ? "" : "s"}`;
    }
  }
  return `${seconds} seconds`;
}
