import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * better-sqlite3's install script (`prebuild-install || node-gyp rebuild`) downloads a build
 * for the platform from GitHub, and compiles SQLite from source (a minute and a half of a core
 * here) only when it cannot. A user's machine downloads it; this one cannot reach GitHub. The
 * checkout running the tests has already built that module for the same Node in its own
 * `npm ci`, so it is handed to the clone's install as a local prebuild, which prebuild-install
 * takes where it would take a download:
 * `npm_config_better_sqlite3_local_prebuilds` names a folder holding
 * `better-sqlite3-v<version>-node-v<abi>-<platform>-<arch>.tar.gz`, with
 * `build/Release/better_sqlite3.node` inside. prebuild-install still loads the module to
 * check it.
 *
 * The tarball is named after the version installed here: a clone whose lockfile holds
 * another version finds no match and compiles it, as does a platform whose name has more in
 * it (musl's). Returns the environment for the install, empty when there is nothing to hand.
 */
export function sqlitePrebuild(work: string): Record<string, string> {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve("better-sqlite3/package.json");
  } catch {
    return {};
  }
  const built = join(dirname(manifest), "build", "Release", "better_sqlite3.node");
  if (!existsSync(built)) return {};
  const { version } = JSON.parse(readFileSync(manifest, "utf8")) as { version: string };

  const staging = join(work, "sqlite-prebuild");
  mkdirSync(join(staging, "build", "Release"), { recursive: true });
  copyFileSync(built, join(staging, "build", "Release", "better_sqlite3.node"));
  const folder = join(work, "prebuilds");
  mkdirSync(folder);
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  execFileSync("tar", ["-czf", join(folder, name), "-C", staging, "build"]);
  return { npm_config_better_sqlite3_local_prebuilds: folder };
}
