import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PepperRing, parsePeppers } from "@latchkey/core";
import { type Config, ConfigError } from "./config.js";

export const PEPPER_FILE = "pepper";

/**
 * The configured pepper, or in SQLite mode one generated once into the data dir (mode 0600),
 * so that `npm start` needs no setup and the pepper never sits in the database file.
 */
export function loadPepper(config: Pick<Config, "pepper" | "dataDir">): PepperRing {
  if (config.pepper !== undefined) {
    try {
      return new PepperRing(parsePeppers(config.pepper));
    } catch (err) {
      throw new ConfigError("LATCHKEY_PEPPER", (err as Error).message);
    }
  }
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const file = join(config.dataDir, PEPPER_FILE);
  let spec: string;
  try {
    spec = readFileSync(file, "utf8").trim();
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    spec = `v1:${randomBytes(32).toString("hex")}`;
    // "wx" fails if another process created it meanwhile; then read theirs.
    try {
      writeFileSync(file, `${spec}\n`, { mode: 0o600, flag: "wx" });
    } catch (raced) {
      if ((raced as NodeJS.ErrnoException).code !== "EEXIST") throw raced;
      spec = readFileSync(file, "utf8").trim();
    }
  }
  try {
    return new PepperRing(parsePeppers(spec));
  } catch (err) {
    throw new ConfigError(file, (err as Error).message);
  }
}
