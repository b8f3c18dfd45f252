/**
 * Instants: the one way Latchkey reads a point in time it is given, and the one form it
 * stores one in.
 *
 * Given (expires_at, the CLI's --expires-at, any date a later route takes): an RFC 3339
 * date-time with its zone, `2027-01-31T09:30:00Z` or `2027-01-31T11:30:00+02:00`; a day that
 * exists in its month; 1970 to 9999 once read as UTC. Nothing is guessed: no local zone, no
 * day rolled over into the next month, no date without a time.
 *
 * Stored and answered: `Date#toISOString()`'s form, `YYYY-MM-DDTHH:mm:ss.sssZ`, always 24
 * characters in the years allowed, so that two stored times compare as text exactly as they
 * compare as instants (the databases compare and sort these columns as text). Code compares
 * times as numbers (`instantMs`), never as strings.
 */

export const MIN_INSTANT_MS = Date.UTC(1970, 0, 1);
export const MAX_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export type InstantParse = { ok: true; ms: number } | { ok: false; msg: string };

const EXAMPLE = "2027-01-31T09:30:00Z";
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;
const NO_ZONE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const WIDE_YEAR = /^(?:[+-]\d+|\d{5,})-/;
const STORED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const failure = (msg: string): InstantParse => ({ ok: false, msg });

function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one (UTC, so no zone can shift it).
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Reads a client's date-time strictly; `field` names it in the message (`expires_at`,
 * `--expires-at`). Fractions beyond milliseconds are dropped. The messages never repeat the
 * input, which may be anything pasted into the field.
 */
export function parseInstant(input: unknown, field: string): InstantParse {
  if (typeof input !== "string") {
    return failure(`${field}: must be a string, an RFC 3339 date-time such as ${EXAMPLE}`);
  }
  const m = RFC3339.exec(input);
  if (!m) {
    if (DATE_ONLY.test(input)) {
      return failure(
        `${field}: a date alone is not a point in time; add the time and zone, e.g. ${input}T00:00:00Z`,
      );
    }
    if (NO_ZONE.test(input)) {
      return failure(
        `${field}: has no time zone; end it with Z (UTC) or an offset such as +02:00, e.g. ${EXAMPLE}`,
      );
    }
    if (WIDE_YEAR.test(input)) {
      return failure(`${field}: the year must have four digits, from 1970 to 9999`);
    }
    return failure(
      `${field}: not an RFC 3339 date-time; write it like ${EXAMPLE} (the zone, Z or ±hh:mm, is required)`,
    );
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const range = `${field}: must be from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z (read as UTC)`;
  if (year < 1970) return failure(range);
  if (month < 1 || month > 12) return failure(`${field}: the month must be 01 to 12`);
  const last = daysInMonth(year, month);
  if (day < 1 || day > last) {
    return failure(
      `${field}: there is no day ${String(day).padStart(2, "0")} in ${year}-${String(month).padStart(2, "0")} (it has ${last} days)`,
    );
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return failure(
      `${field}: not a time of day; hours are 00 to 23, minutes and seconds 00 to 59 (no leap seconds)`,
    );
  }
  let offsetMinutes = 0;
  if (m[8] !== undefined) {
    const offsetHours = Number(m[9]);
    const offsetMins = Number(m[10]);
    if (offsetHours > 23 || offsetMins > 59) {
      return failure(`${field}: the zone offset must be -23:59 to +23:59`);
    }
    offsetMinutes = (m[8] === "-" ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  // (Date.UTC would read years 0-99 as 1900-1999; they were refused above.)
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  // An offset can carry a time written in 1970 or 9999 out of the range.
  if (ms < MIN_INSTANT_MS || ms > MAX_INSTANT_MS) return failure(range);
  return { ok: true, ms };
}

/** The stored form of an instant; throws for a time outside 1970-9999 (or not a time at all). */
export function formatInstant(at: number | Date): string {
  const ms = typeof at === "number" ? at : at.getTime();
  if (!Number.isInteger(ms) || ms < MIN_INSTANT_MS || ms > MAX_INSTANT_MS) {
    throw new RangeError("an instant must lie from 1970 to 9999");
  }
  return new Date(ms).toISOString();
}

/** Whether `value` is in the stored form (so compares as text like the instant it names). */
export function isStoredInstant(value: string): boolean {
  return STORED.test(value) && parseInstant(value, "time").ok;
}

/**
 * A stored time in ms since the epoch, for comparing as a number. Throws for anything not in
 * the stored form: a corrupt deadline must fail closed, never compare as "not yet".
 */
export function instantMs(stored: string): number {
  const parsed = STORED.test(stored) ? parseInstant(stored, "time") : undefined;
  if (!parsed?.ok) throw new RangeError("a stored time is not in the canonical form");
  return parsed.ms;
}
