import { execFileSync } from "node:child_process";

/**
 * Tests start the real built server and CLI as processes, so the build must match the
 * sources: an incremental `tsc -b` (fast when nothing changed) runs first.
 */
export default function setup(): void {
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-b"], { stdio: "inherit" });
}
