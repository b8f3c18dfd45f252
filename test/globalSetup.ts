import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** A bundle the tests run, where it is built, and the compiled packages it is made of. */
interface Bundle {
  output: string;
  workspace: string;
  from: readonly string[];
}

const BUNDLES: readonly Bundle[] = [
  {
    // What a spawned server runs (`npm start`).
    output: "packages/server/dist/main.bundle.js",
    workspace: "packages/server",
    from: ["packages/server/dist", "packages/store/dist", "packages/core/dist"],
  },
  {
    // What `npx latchkey` runs.
    output: "packages/cli/bundle/bin.js",
    workspace: "packages/cli",
    from: ["packages/cli/dist", "packages/sdk/dist", "packages/core/dist"],
  },
];

/** The newest modification time of the compiled .js files under `dir`, in ms. */
function newestJs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".js") || entry.name.endsWith(".bundle.js")) {
      continue;
    }
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function isStale(bundle: Bundle): boolean {
  let built: number;
  try {
    built = statSync(bundle.output).mtimeMs;
  } catch {
    return true;
  }
  return bundle.from.some((dir) => newestJs(dir) > built);
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
 * and the CLI's bundles are rebuilt where a module they are made of is newer. A failure does
 * not stop the run here (`npm test` has already failed on a type error in `npm run check`),
 * but it is printed, since the processes would then run the last good build.
 */
export default function setup(): void {
  run(["node_modules/typescript/bin/tsc", "-b"]);
  for (const bundle of BUNDLES) {
    if (isStale(bundle)) {
      run(
        ["../../node_modules/rolldown/bin/cli.mjs", "-c", "rolldown.config.mjs"],
        bundle.workspace,
      );
    }
  }
}
