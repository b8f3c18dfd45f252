import type { Input } from "./prompt/input.js";

/** Where a command writes: text only, so tests and the entry can supply their own streams. */
export interface Writer {
  write(text: string): void;
  readonly isTTY: boolean;
}

/** Everything a command may touch outside itself, injected so that commands never reach for `process`. */
export interface Io {
  stdout: Writer;
  stderr: Writer;
  input: Input;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}
