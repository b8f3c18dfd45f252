import { findIllFormedText, formatFieldPath, illFormedTextProblem } from "@latchkey/core/text";

/** The command line itself is wrong (exit 2): the hint says what to type instead. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

/** A failure found by the CLI itself, with its exit status and a hint. */
export class CommandFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "CommandFailure";
  }
}

/** A whole number ≥ 1, as ids are; anything else is a usage error naming the argument. */
export function parseId(raw: string | undefined, what = "ID"): number {
  if (raw === undefined || !/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 2_147_483_647) {
    throw new UsageError(`${what} must be a whole number of at least 1, got '${raw ?? ""}'`);
  }
  return Number(raw);
}

/**
 * A JSON option value, or a usage error naming the option and the parser's complaint. Its
 * strings, field names included, must be text: JSON's "\ud800" escape makes one that is not.
 */
export function parseJsonOption(option: string, raw: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new UsageError(
      `${option} is not valid JSON: ${(err as Error).message}`,
      `quote the JSON for the shell, e.g. ${option} '{"api": {"user_read": {}}}'`,
    );
  }
  const found = findIllFormedText(value);
  if (found !== null) {
    const where = found.path.length === 0 ? option : `${option} at ${formatFieldPath(found.path)}`;
    throw new UsageError(
      `${where}: ${illFormedTextProblem(found)}`,
      'write the character itself, or both halves of its pair, e.g. "\\ud83d\\udd11" for 🔑',
    );
  }
  return value;
}
