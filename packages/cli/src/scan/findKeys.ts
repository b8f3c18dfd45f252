import { KEY_PATTERN, parseKey, redactKey } from "@latchkey/core/keyFormat";

/** A key found in a file: where, and only enough of it to recognise it. */
export interface Finding {
  file: string;
  line: number;
  column: number;
  prefix: string;
  last4: string;
  /** `prefix_…last4`; the finding never holds the whole secret. */
  redacted: string;
}

/**
 * Every Latchkey key in `text`, of any prefix. KEY_PATTERN finds what is shaped like a key; the
 * checksum decides, so look-alikes (examples, hashes, random ids) are not reported.
 */
export function findKeys(text: string, file: string): Finding[] {
  const findings: Finding[] = [];
  let line = 1;
  let lineStart = 0;
  let scanned = 0;
  // A fresh RegExp: the shared one is global and keeps lastIndex between callers.
  for (const match of text.matchAll(new RegExp(KEY_PATTERN.source, "g"))) {
    const parsed = parseKey(match[0]);
    if (parsed === null) continue;
    for (let i = scanned; i < match.index; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    scanned = match.index;
    findings.push({
      file,
      line,
      column: match.index - lineStart + 1,
      prefix: parsed.prefix,
      last4: parsed.last4,
      redacted: redactKey(match[0]),
    });
  }
  return findings;
}
