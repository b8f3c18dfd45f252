import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The installed CLI package. This module sits at the top of either build of the CLI (the
 * compiled `dist/` or the bundled `bundle/` that `bin/latchkey.js` runs), so the package's
 * root is one level up from both.
 */
const root = new URL("../", import.meta.url);

/** The CLI's version, from its package.json. */
export const version = (
  JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { version: string }
).version;

/** The `latchkey` command's script, what `npx latchkey` and an installed hook run. */
export const binScript = fileURLToPath(new URL("bin/latchkey.js", root));
