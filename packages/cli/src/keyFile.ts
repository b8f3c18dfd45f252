import { chmodSync, closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Writes the key file: exactly the key's bytes (no newline), mode 0600 in a directory of mode
 * 0700, so no other user can read it (Vast's CLI writes 0644). The file is written beside its
 * final name and renamed, so a reader never sees half a key.
 */
export function writeKeyFile(path: string, key: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // The directory may predate us with a looser mode; it holds only our secrets.
  chmodSync(dir, 0o700);
  const temp = join(dir, `.api_key.${randomHex(6)}.tmp`);
  const fd = openSync(temp, "wx", 0o600);
  try {
    writeSync(fd, key);
  } finally {
    closeSync(fd);
  }
  try {
    // The umask can only remove bits, but say 0600 explicitly in case the file system added some.
    chmodSync(temp, 0o600);
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/** Removes the key file; true when there was one. */
export function removeKeyFile(path: string): boolean {
  try {
    rmSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

/**
 * `bytes` random bytes as hex, from the Web Crypto global: it loads Node's crypto only when
 * called, where importing `node:crypto` would load it for every command that imports this.
 */
function randomHex(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
}
