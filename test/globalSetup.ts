import { spawnSync } from "node:child_process";

/**
 * Tests start the real built server and CLI as processes, so the build must match the
 * sources: an incremental `tsc -b` (fast when nothing changed) runs first. A type error does
 * not stop the run here (`npm test` has already failed on it in `npm run check`), but it is
 * printed, since the processes would then run the last good build.
 */
export default function setup(): void {
  const result = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-b"], {
    encoding: "utf8",
  });
  if (result.status !== 0) {
    process.stderr.write(
      `\n!! tsc -b failed; process-based tests run the previous build:\n${result.stdout}${result.stderr}\n`,
    );
  }
}
