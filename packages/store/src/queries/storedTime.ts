import { isStoredInstant } from "@latchkey/core";

/**
 * A time about to be written, checked: the databases compare and sort time columns as text,
 * which is their time order only in the stored form (instant.ts). A write of anything else
 * throws, so its transaction rolls back rather than leave a deadline that sorts wrongly.
 */
export function storedTime<T extends string | null | undefined>(column: string, value: T): T {
  if (typeof value === "string" && !isStoredInstant(value)) {
    throw new RangeError(`${column}: a time must be written in the stored form`);
  }
  return value;
}
