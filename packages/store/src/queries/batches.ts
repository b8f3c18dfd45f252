/** Rows per statement in batched writes: well inside either database's parameter limit. */
export const BATCH_ROWS = 300;

/** Splits rows into batches of at most `size`, each written by one statement. */
export function batches<T>(rows: readonly T[], size = BATCH_ROWS): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
