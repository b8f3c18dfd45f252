import { LatchkeyError } from "./latchkeyError.js";

/** Where the API key came from: the caller, LATCHKEY_API_KEY, the key file, or nowhere. */
export type CredentialSource = "argument" | "env" | "file" | "none";

export type Env = Readonly<Record<string, string | undefined>>;

export interface ResolvedCredentials {
  apiKey?: string;
  source: CredentialSource;
  /** The key file's path, also when it was not read (to name it in messages). */
  keyFile: string;
  /** The server URL without a trailing slash; "" means the page's own origin (browser). */
  url: string;
}

export const DEFAULT_URL = "http://127.0.0.1:8080";

/** The process environment where there is one (Node, Bun, Deno); empty in browsers. */
export function defaultEnv(): Env {
  return typeof process !== "undefined" && typeof process.env === "object" ? process.env : {};
}

/** True where a filesystem can be read (Node and runtimes compatible with it), not in browsers. */
function hasFilesystem(): boolean {
  return typeof process !== "undefined" && typeof process.versions?.node === "string";
}

const given = (value: string | undefined): string | undefined =>
  value === undefined || value === "" ? undefined : value;

/**
 * The key file: `$XDG_CONFIG_HOME/latchkey/api_key`, by default `~/.config/latchkey/api_key`.
 *
 * @example
 * keyFilePath({ HOME: "/home/ada" }); // "/home/ada/.config/latchkey/api_key"
 */
export function keyFilePath(env: Env = defaultEnv()): string {
  const xdg = given(env.XDG_CONFIG_HOME);
  if (xdg !== undefined) return `${xdg.replace(/\/+$/, "")}/latchkey/api_key`;
  const home = given(env.HOME) ?? given(env.USERPROFILE) ?? "~";
  return `${home.replace(/\/+$/, "")}/.config/latchkey/api_key`;
}

/** The key file's exact bytes less one trailing newline; undefined when absent or empty. */
async function readKeyFile(path: string): Promise<string | undefined> {
  if (!hasFilesystem()) return undefined;
  // A variable specifier keeps browser bundlers from trying to resolve a Node-only module.
  const specifier = "node:fs/promises";
  const fs = (await import(/* @vite-ignore */ specifier)) as typeof import("node:fs/promises");
  let content: string;
  try {
    content = await fs.readFile(path, "utf8");
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new LatchkeyError({
      status: 0,
      code: "key_file_unreadable",
      msg: `The key file ${path} cannot be read (${String(code ?? err)}).`,
      cause: err,
    });
  }
  const key = content.endsWith("\r\n")
    ? content.slice(0, -2)
    : content.endsWith("\n")
      ? content.slice(0, -1)
      : content;
  return key === "" ? undefined : key;
}

/**
 * The one resolver of the API key and server URL, shared by the SDK and the CLI so the two can
 * never disagree. Key: `apiKey` argument, then LATCHKEY_API_KEY, then the key file (only where
 * a filesystem exists). URL: `url` argument ("" = same origin), then LATCHKEY_URL, then
 * http://127.0.0.1:8080.
 *
 * @example
 * const { apiKey, source, keyFile } = await resolveCredentials();
 * if (source === "none") console.error(`no key: run 'latchkey set api-key KEY' (${keyFile})`);
 */
export async function resolveCredentials(
  options: { apiKey?: string | undefined; url?: string | undefined; env?: Env | undefined } = {},
): Promise<ResolvedCredentials> {
  const env = options.env ?? defaultEnv();
  const keyFile = keyFilePath(env);
  const url = (options.url ?? given(env.LATCHKEY_URL) ?? DEFAULT_URL).replace(/\/+$/, "");
  const argument = given(options.apiKey);
  if (argument !== undefined) return { apiKey: argument, source: "argument", keyFile, url };
  const fromEnv = given(env.LATCHKEY_API_KEY);
  if (fromEnv !== undefined) return { apiKey: fromEnv, source: "env", keyFile, url };
  const fromFile = await readKeyFile(keyFile);
  if (fromFile !== undefined) return { apiKey: fromFile, source: "file", keyFile, url };
  return { source: "none", keyFile, url };
}
