/**
 * Strings that are not text. A JavaScript string is UTF-16 and may hold an unpaired surrogate
 * (JSON's "\ud800" escape makes one), which no Unicode text can: stored, it becomes U+FFFD or
 * worse, so a name would come back other than it was sent. What a client sends as JSON is
 * checked here, field names included, and the first such string is named by its path.
 */

export type PathSegment = string | number;

/** Where a JSON value holds a string that is not well-formed UTF-16. */
export interface IllFormedText {
  /** The path to the string, or to the object one of whose field names it is. */
  path: PathSegment[];
  /** True when a field name of the object at `path` is ill-formed, not a value. */
  inFieldName: boolean;
}

interface Frame {
  value: unknown;
  parent: Frame | undefined;
  segment: PathSegment;
}

function pathOf(frame: Frame): PathSegment[] {
  const path: PathSegment[] = [];
  for (let at: Frame | undefined = frame; at?.parent !== undefined; at = at.parent) {
    path.push(at.segment);
  }
  return path.reverse();
}

/**
 * The first string of a parsed JSON value (in document order, an object's field names before
 * its values) that is not well-formed, or null when every one is. Iterative, so a deeply
 * nested body cannot exhaust the stack.
 */
export function findIllFormedText(value: unknown): IllFormedText | null {
  const stack: Frame[] = [{ value, parent: undefined, segment: "" }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const here = frame.value;
    if (typeof here === "string") {
      if (!here.isWellFormed()) return { path: pathOf(frame), inFieldName: false };
    } else if (Array.isArray(here)) {
      for (let i = here.length - 1; i >= 0; i--) {
        stack.push({ value: here[i], parent: frame, segment: i });
      }
    } else if (typeof here === "object" && here !== null) {
      const names = Object.keys(here);
      if (!names.every((name) => name.isWellFormed())) {
        return { path: pathOf(frame), inFieldName: true };
      }
      const record = here as Record<string, unknown>;
      for (let i = names.length - 1; i >= 0; i--) {
        const name = names[i] as string;
        stack.push({ value: record[name], parent: frame, segment: name });
      }
    }
  }
  return null;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A run this long of letters and digits may be a secret (a key, a webhook secret): not shown. */
const TOKEN_LIKE = /[A-Za-z0-9]{24}/;
const MAX_SEGMENT_LENGTH = 64;
const MAX_SHOWN_SEGMENTS = 12;

function segmentText(segment: PathSegment, first: boolean): string {
  if (typeof segment === "number") return `[${segment}]`;
  if (segment.length > MAX_SEGMENT_LENGTH || TOKEN_LIKE.test(segment)) return "[…]";
  if (IDENTIFIER.test(segment)) return first ? segment : `.${segment}`;
  return `[${JSON.stringify(segment)}]`;
}

/**
 * A path as people read it: `key_params.ip_whitelist[0]`, with names that are not identifiers
 * quoted (`permissions.api.user_read["api.users.current"]`) and `whenEmpty` for the top.
 * Field names that may be secrets are shown as `[…]`, and a very deep path is shortened.
 */
export function formatFieldPath(path: readonly PathSegment[], whenEmpty = "body"): string {
  if (path.length === 0) return whenEmpty;
  const shown =
    path.length <= MAX_SHOWN_SEGMENTS
      ? path.map((segment, i) => segmentText(segment, i === 0))
      : [
          ...path.slice(0, 4).map((segment, i) => segmentText(segment, i === 0)),
          "…",
          ...path.slice(-6).map((segment) => segmentText(segment, false)),
        ];
  return shown.join("");
}

/** What is wrong, without the string itself (which may be a password or a key). */
export function illFormedTextProblem(found: IllFormedText): string {
  return found.inFieldName
    ? "holds a field name that is not valid text (it has an unpaired UTF-16 surrogate)"
    : "not valid text (it has an unpaired UTF-16 surrogate)";
}

/** `key_params.ip_whitelist[0]: not valid text (…)`, the path under `prefix`. */
export function illFormedTextMessage(
  found: IllFormedText,
  prefix: readonly PathSegment[] = [],
): string {
  return `${formatFieldPath([...prefix, ...found.path])}: ${illFormedTextProblem(found)}; send well-formed Unicode`;
}
