import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** Directories never worth scanning: git's own objects and installed dependencies. */
const SKIPPED = new Set([".git", "node_modules"]);

/**
 * The regular files under each path, in a stable order. Symbolic links are not followed, so a
 * scan cannot loop or wander outside the tree it was given.
 */
export function walkFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  const visit = (path: string, explicit: boolean) => {
    const stat = lstatSync(path);
    if (stat.isFile()) {
      files.push(path);
    } else if (stat.isDirectory()) {
      const name = path.split("/").pop() ?? path;
      if (!explicit && SKIPPED.has(name)) return;
      for (const entry of readdirSync(path).sort()) visit(join(path, entry), false);
    }
  };
  for (const path of paths) visit(path, true);
  return files;
}
