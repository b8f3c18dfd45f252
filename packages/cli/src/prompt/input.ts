/** What a command may read from the person (or the pipe) running it. */
export interface Input {
  /** True when a person can answer prompts; otherwise answers are read from piped stdin. */
  readonly isTTY: boolean;
  /** One line, without its line break; null at the end of input. */
  readLine(question: string): Promise<string | null>;
  /** One line, never echoed; null at the end of input. */
  readSecret(question: string): Promise<string | null>;
}

/** Thrown when the person presses Ctrl-C at a prompt. */
export class Interrupted extends Error {
  constructor() {
    super("interrupted");
    this.name = "Interrupted";
  }
}
