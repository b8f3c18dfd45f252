/**
 * Where a JSON Pointer (RFC 6901) points in a JSON text: the server names the offending node
 * of a permission tree by pointer, and the editor marks that place. For an object member the
 * range is its key; for the root or an array element, the value. A pointer to a node that is
 * missing gives the deepest parent that exists.
 */
export interface TextRange {
  start: number;
  end: number;
  /** 1-based line of `start`. */
  line: number;
}

type Ranges = Map<string, { start: number; end: number }>;

class Scanner {
  pos = 0;
  constructor(
    readonly text: string,
    readonly ranges: Ranges,
  ) {}

  fail(): never {
    throw new SyntaxError(`unexpected input at ${this.pos}`);
  }

  space() {
    while (/\s/.test(this.text[this.pos] ?? "")) this.pos++;
  }

  string(): string {
    const start = this.pos;
    if (this.text[this.pos] !== '"') this.fail();
    this.pos++;
    while (this.pos < this.text.length && this.text[this.pos] !== '"') {
      this.pos += this.text[this.pos] === "\\" ? 2 : 1;
    }
    if (this.text[this.pos] !== '"') this.fail();
    this.pos++;
    return JSON.parse(this.text.slice(start, this.pos)) as string;
  }

  value(pointer: string, keyRange?: { start: number; end: number }) {
    this.space();
    const start = this.pos;
    const c = this.text[this.pos];
    if (c === "{") this.object(pointer);
    else if (c === "[") this.array(pointer);
    else if (c === '"') this.string();
    else {
      const match = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(
        this.text.slice(this.pos),
      );
      if (!match) this.fail();
      this.pos += match[0].length;
    }
    this.ranges.set(pointer, keyRange ?? { start, end: this.pos });
  }

  object(pointer: string) {
    this.pos++;
    this.space();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return;
    }
    for (;;) {
      this.space();
      const keyStart = this.pos;
      const key = this.string();
      const keyRange = { start: keyStart, end: this.pos };
      this.space();
      if (this.text[this.pos] !== ":") this.fail();
      this.pos++;
      this.value(`${pointer}/${escapeSegment(key)}`, keyRange);
      this.space();
      const next = this.text[this.pos++];
      if (next === "}") return;
      if (next !== ",") this.fail();
    }
  }

  array(pointer: string) {
    this.pos++;
    this.space();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return;
    }
    for (let i = 0; ; i++) {
      this.value(`${pointer}/${i}`);
      this.space();
      const next = this.text[this.pos++];
      if (next === "]") return;
      if (next !== ",") this.fail();
    }
  }
}

function escapeSegment(segment: string): string {
  return segment.replaceAll("~", "~0").replaceAll("/", "~1");
}

export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === "\n") line++;
  return line;
}

export function jsonPointerRange(text: string, pointer: string): TextRange | undefined {
  const ranges: Ranges = new Map();
  try {
    new Scanner(text, ranges).value("");
  } catch {
    return undefined;
  }
  let at = pointer;
  for (;;) {
    const found = ranges.get(at);
    if (found) return { ...found, line: lineAt(text, found.start) };
    if (at === "") return undefined;
    at = at.slice(0, at.lastIndexOf("/"));
  }
}
