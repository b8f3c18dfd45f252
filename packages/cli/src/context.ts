import { Latchkey, resolveCredentials } from "@latchkey/sdk";
import { explainRequest } from "./explain.js";
import type { GlobalOptions } from "./globals.js";
import { httpFetch } from "./httpFetch.js";
import type { Io } from "./io.js";
import { type Colours, colours, useColour } from "./output/colours.js";

export type ResolvedCredentials = Awaited<ReturnType<typeof resolveCredentials>>;

/** Where the credential of the last client came from, for the 401 message. */
export interface CredentialOrigin {
  source: ResolvedCredentials["source"] | "session";
  keyFile: string;
  apiKey: string | undefined;
}

/**
 * What a command runs with: the injected I/O, the global options, styles for both streams and a
 * client built from the one shared resolver (flag > LATCHKEY_API_KEY > key file).
 */
export class Context {
  readonly out: Colours;
  readonly err: Colours;
  /** The credential the current client sends; set when a client is made. */
  origin: CredentialOrigin | undefined;
  private resolved: ResolvedCredentials | undefined;

  constructor(
    readonly io: Io,
    readonly globals: GlobalOptions,
    readonly now: () => Date = () => new Date(),
  ) {
    this.out = colours(useColour(io.stdout.isTTY, io.env, globals.color));
    this.err = colours(useColour(io.stderr.isTTY, io.env, globals.color));
  }

  /** Text for people on stdout; suppressed by --raw, whose stdout is JSON only. */
  print(text: string): void {
    if (!this.globals.raw) this.io.stdout.write(text);
  }

  /** The exact JSON answer, for --raw. */
  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Prints `value` as JSON under --raw, otherwise calls `human`. */
  show(value: unknown, human: () => void): void {
    if (this.globals.raw) this.json(value);
    else human();
  }

  /** Notes for people go to stderr, so they never mix with data on stdout. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    this.io.stderr.write(`${this.err.yellow("warning:")} ${text}\n`);
  }

  async credentials(): Promise<ResolvedCredentials> {
    this.resolved ??= await resolveCredentials({
      apiKey: this.globals.apiKey,
      url: this.globals.url,
      env: this.io.env,
    });
    return this.resolved;
  }

  /**
   * A client for the server, sending the resolved credential, or `use` instead: login sends its
   * session key, logout the key file's key, and anonymous calls (login itself) none.
   */
  async client(use?: Omit<CredentialOrigin, "keyFile">): Promise<Latchkey> {
    const creds = await this.credentials();
    const apiKey = use === undefined ? creds.apiKey : use.apiKey;
    this.origin = { source: use?.source ?? creds.source, keyFile: creds.keyFile, apiKey };
    return new Latchkey({
      fetch: httpFetch,
      apiKey,
      url: creds.url,
      env: this.io.env,
      ...(this.globals.retry === undefined ? {} : { retries: this.globals.retry }),
      ...(this.globals.explain
        ? { onRequest: (info) => this.io.stderr.write(explainRequest(info)) }
        : {}),
    });
  }
}
