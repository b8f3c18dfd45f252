import type { Constraint } from "./tree.js";

/**
 * What a constraint means: the one comparison semantics of the evaluator (`evaluate`) and the
 * no-escalation check (`permissionsWithin`), so that the two cannot disagree. The rules are
 * stated for people in docs/permissions.md ("How constraints compare"); in short:
 *
 * - A number in a constraint (`eq`, `lte`, `gte`) compares with the request value's number:
 *   a finite JSON number, or a string in canonical decimal integer form (`"1227"`, `"-3"`,
 *   `"0"`; no sign `+`, no leading zeros, no `.0`, no exponent, no spaces, a safe integer).
 *   Path and query parameters arrive as text, so `{"eq": 1227}` matches `1227` and `"1227"`.
 * - A string in `eq` matches only that string, character for character: `{"eq": "007"}` does
 *   not match `"7"`, `"07"`, `"7.0"` or `7`.
 * - A boolean in `eq` matches only that boolean.
 * - A missing (or `null`) parameter, and one of another type, satisfy no constraint.
 */

/** Canonical decimal integers: `0`, or an optional `-` and digits without a leading zero. */
const CANONICAL_INTEGER = /^(?:0|-?[1-9][0-9]*)$/;

/**
 * The number a request value stands for, if any: a finite number, or a string in canonical
 * decimal integer form that is a safe integer (so that no two strings stand for one number).
 */
export function numericValue(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && value.length <= 17 && CANONICAL_INTEGER.test(value)) {
    const n = Number(value);
    if (Number.isSafeInteger(n)) return n;
  }
  return undefined;
}

/** Does a request's parameter value satisfy every operator of the constraint? */
export function constraintHolds(constraint: Constraint, value: unknown): boolean {
  if (value === undefined || value === null) return false;
  const { eq, lte, gte } = constraint;
  if (eq !== undefined) {
    if (typeof eq === "number") {
      if (numericValue(value) !== eq) return false;
    } else if (value !== eq) {
      // A string or a boolean: the same type and the same value, nothing else.
      return false;
    }
  }
  if (lte !== undefined || gte !== undefined) {
    const n = numericValue(value);
    if (n === undefined) return false;
    if (lte !== undefined && !(n <= lte)) return false;
    if (gte !== undefined && !(n >= gte)) return false;
  }
  return true;
}

/**
 * Every constraint admits exactly one of these sets of request values (given the rules
 * above), which is what lets the no-escalation check compare constraints exactly.
 */
export type ValueSet =
  /** Nothing: the operators contradict each other (`{"eq": 5, "lte": 3}`, `{"eq": "a", "gte": 0}`). */
  | { kind: "none" }
  /** Every present value: a constraint without operators (the parser refuses those). */
  | { kind: "any" }
  /** One string or boolean, itself only. */
  | { kind: "exactly"; value: string | boolean }
  /** Every value whose `numericValue` lies in [lo, hi]: numbers and their canonical strings. */
  | { kind: "numbers"; lo: number; hi: number };

const NONE: ValueSet = Object.freeze({ kind: "none" });
const ANY: ValueSet = Object.freeze({ kind: "any" });

/** The set of request values a constraint admits. */
export function valueSet(constraint: Constraint): ValueSet {
  const { eq, lte, gte } = constraint;
  if (eq !== undefined) {
    // The values `eq` admits are those equal to it; the range keeps them all or none.
    if (!constraintHolds(constraint, eq)) return NONE;
    return typeof eq === "number"
      ? { kind: "numbers", lo: eq, hi: eq }
      : { kind: "exactly", value: eq };
  }
  if (lte === undefined && gte === undefined) return ANY;
  const lo = gte ?? -Infinity;
  const hi = lte ?? Infinity;
  return lo <= hi ? { kind: "numbers", lo, hi } : NONE;
}

/** Does every request value that `child` admits satisfy `parent`? */
export function constraintWithin(child: Constraint, parent: Constraint): boolean {
  const mine = valueSet(child);
  switch (mine.kind) {
    case "none":
      return true;
    case "exactly":
      // One value: ask the evaluator itself.
      return constraintHolds(parent, mine.value);
    case "any":
      return valueSet(parent).kind === "any";
    case "numbers": {
      const theirs = valueSet(parent);
      if (theirs.kind === "any") return true;
      return theirs.kind === "numbers" && theirs.lo <= mine.lo && mine.hi <= theirs.hi;
    }
  }
}
