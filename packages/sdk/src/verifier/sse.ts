/** One Server-Sent Event: its `event` field and its `data` lines joined. */
export interface StreamEvent {
  event: string;
  data: string;
}

/**
 * Splits a Server-Sent Events stream into events, as the bytes arrive (any chunking). Only
 * `event:` and `data:` fields are read; comments and other fields are skipped.
 */
export class EventParser {
  private buffer = "";
  private readonly decoder = new TextDecoder();

  push(chunk: Uint8Array): StreamEvent[] {
    this.buffer += this.decoder.decode(chunk, { stream: true });
    const events: StreamEvent[] = [];
    for (;;) {
      const end = this.buffer.search(/\r?\n\r?\n/);
      if (end < 0) break;
      const block = this.buffer.slice(0, end);
      const sep = this.buffer.slice(end).match(/^\r?\n\r?\n/)?.[0].length ?? 2;
      this.buffer = this.buffer.slice(end + sep);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
      }
      if (data.length > 0) events.push({ event, data: data.join("\n") });
    }
    return events;
  }
}
