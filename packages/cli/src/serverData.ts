import type { Context } from "./context.js";
import { UsageError } from "./errors.js";

/** Where a server keeps its data, read from the same settings the server reads. */
export interface ServerData {
  /** Absolute: resolved against the command's working directory, as the server's would be. */
  dataDir: string;
  databaseUrl: string | undefined;
  databaseSchema: string | undefined;
  /** The pepper file in the data dir; not used when LATCHKEY_PEPPER is set. */
  pepperFile: string;
  pepperFromEnv: boolean;
}

/**
 * The server's data settings (LATCHKEY_DATA_DIR, LATCHKEY_DATABASE_URL, …), parsed with the
 * server's own definitions so that the defaults and rules are the server's. The server is
 * imported only here, when a command needs it, so the CLI's other commands start without it.
 */
export async function serverData(
  ctx: Context,
  dataDirFlag: string | undefined,
): Promise<ServerData> {
  const { settings, PEPPER_FILE } = await import("@latchkey/server");
  const { join, resolve } = await import("node:path");
  const settingOf = (key: "dataDir" | "databaseUrl" | "databaseSchema" | "pepper") => {
    const setting = settings.find((s) => s.key === key);
    if (setting === undefined) throw new Error(`the server has no setting ${key}`);
    return setting;
  };
  const read = (key: "dataDir" | "databaseUrl" | "databaseSchema", flag?: string) => {
    const setting = settingOf(key);
    const raw = flag ?? ctx.io.env[setting.env];
    if (raw === undefined || raw === "") return setting.default as string | undefined;
    try {
      return setting.parse(raw) as string;
    } catch (err) {
      const via = flag === undefined ? setting.env : setting.flag;
      throw new UsageError(`${via}: ${(err as Error).message}`);
    }
  };
  const dataDir = resolve(ctx.io.cwd, read("dataDir", dataDirFlag) ?? "./data");
  return {
    dataDir,
    databaseUrl: read("databaseUrl"),
    databaseSchema: read("databaseSchema"),
    pepperFile: join(dataDir, PEPPER_FILE),
    // Only whether it is set: this command never needs the pepper itself.
    pepperFromEnv: (ctx.io.env[settingOf("pepper").env] ?? "") !== "",
  };
}

/** A path as a shell reads it: quoted when it holds anything but safe characters. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
