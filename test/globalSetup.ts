import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** What a spawned server runs (`npm start`), and the compiled packages it is built from. */
const BUNDLE = "packages/server/dist/main.bundle.js";
const BUNDLED = ["packages/server/dist", "packages/store/dist", "packages/core/dist"];

/** The newest modification time of the .js files under `dir`, in ms. */
function newestJs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".js") || entry.name === "main.bundle.js") continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function bundleIsStale(): boolean {
  let built: number;
  try {
    built = statSync(BUNDLE).mtimeMs;
  } catch {
    return true;
  }
  return BUNDLED.some((dir) => newestJs(dir) > built);
}

function run(args: string[], cwd = "."): void {
  const result = spawnSync(process.execPath, args, { cwd, encoding: "utf8" });
  if (result.status !== 0) {
    process.stderr.write(
      `\n!! ${args.join(" ")} failed; process-based tests run the previous build:\n${result.stdout}${result.stderr}\n`,
    );
  }
}

/**
 * Tests start the real built server and CLI as processes, so the build must match the
 * sources: an incremental `tsc -b` (fast when nothing changed) runs first, then the server's
 * bundle is rebuilt if any module it is made of is newer. A failure does not stop the run here
 * (`npm test` has already failed on a type error in `npm run check`), but it is printed, since
 * the processes would then run the last good build.
 */
export default function setup(): void {
  run(["node_modules/typescript/bin/tsc", "-b"]);
  if (bundleIsStale()) {
    run(
      ["../../node_modules/rolldown/bin/cli.mjs", "-c", "rolldown.config.mjs"],
      "packages/server",
    );
  }
}
