/** The order statistics every case reports. */

/** The nearest-rank `p`th percentile of values sorted in ascending order (0 when empty). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? 0;
}

/** The median of values in any order (0 when empty). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** The middle half of the values (nulls left out), as "p25–p75": how much they scatter. */
export function middleHalf(
  values: readonly (number | null)[],
  format: (value: number) => string,
): string {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return "–";
  return `${format(percentile(sorted, 25))}–${format(percentile(sorted, 75))}`;
}
