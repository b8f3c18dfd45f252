import { type Command, InvalidArgumentError, Option } from "commander";

/** Options every command accepts, before or after the command's own words. */
export interface GlobalOptions {
  url: string | undefined;
  apiKey: string | undefined;
  raw: boolean;
  explain: boolean;
  retry: number | undefined;
  color: boolean;
}

function retries(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) > 10) {
    throw new InvalidArgumentError("expected a whole number from 0 to 10.");
  }
  return Number(raw);
}

export function addGlobalOptions(program: Command): Command {
  return program
    .option("--url <url>", "server URL (default: LATCHKEY_URL, then http://127.0.0.1:8080)")
    .option(
      "--api-key <key>",
      "API key to use (default: LATCHKEY_API_KEY, then the key file); visible to other local users in the process list, so prefer the key file",
    )
    .option("--raw", "print the server's answer as exact JSON on stdout, and nothing else")
    .option(
      "--explain",
      "print each HTTP request (method, URL, headers with the key redacted, body) to stderr",
    )
    .addOption(
      new Option(
        "--retry <n>",
        "retry up to N times on 429, 502, 503, 504 and connection errors, with backoff",
      ).argParser(retries),
    )
    .option("--no-color", "no colour, also when NO_COLOR is set or output is not a terminal");
}

export function globalOptions(command: Command): GlobalOptions {
  const all = command.optsWithGlobals<{
    url?: string;
    apiKey?: string;
    raw?: boolean;
    explain?: boolean;
    retry?: number;
    color?: boolean;
  }>();
  return {
    url: all.url,
    apiKey: all.apiKey,
    raw: all.raw === true,
    explain: all.explain === true,
    retry: all.retry,
    color: all.color !== false,
  };
}
