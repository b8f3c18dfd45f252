/**
 * Lines from a piped stream, one at a time. The stream is read only once asked, and what was
 * read past a line stays buffered for the next question (an email line, then a password line).
 */
export class LineBuffer {
  private buffer = "";
  private ended = false;
  private started = false;
  private waiters: (() => void)[] = [];

  constructor(private readonly stream: NodeJS.ReadableStream) {}

  private start(): void {
    this.started = true;
    this.stream.setEncoding("utf8");
    this.stream.on("data", (chunk: string) => {
      this.buffer += chunk;
      this.wake();
    });
    const end = () => {
      this.ended = true;
      this.wake();
    };
    this.stream.on("end", end);
    this.stream.on("error", end);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  async next(): Promise<string | null> {
    if (!this.started) this.start();
    for (;;) {
      const newline = this.buffer.indexOf("\n");
      if (newline >= 0) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        return line.endsWith("\r") ? line.slice(0, -1) : line;
      }
      if (this.ended) {
        if (this.buffer === "") return null;
        const rest = this.buffer;
        this.buffer = "";
        return rest;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}
