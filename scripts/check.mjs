// `npm run check`: Biome and the TypeScript build, then the type-checks that emit nothing
// (every test, the console, the console's browser tests) side by side, since each is a
// single-threaded compiler run that the next does not depend on. Each one's output is printed
// under its name once it ends; the status is 1 when any of them failed.
import { spawn } from "node:child_process";

const TSC = "node_modules/typescript/bin/tsc";

const first = [
  ["biome ci .", ["node_modules/@biomejs/biome/bin/biome", "ci", "."]],
  ["tsc -b", [TSC, "-b"]],
];
// They read the packages' declarations, which `tsc -b` writes.
const together = [
  ["tsc -p tsconfig.test.json", [TSC, "-p", "tsconfig.test.json"]],
  ["tsc -p packages/console", [TSC, "-p", "packages/console"]],
  ["tsc -p packages/console/tsconfig.e2e.json", [TSC, "-p", "packages/console/tsconfig.e2e.json"]],
];

/** Runs `node args…`, resolving to whether it exited 0, after printing what it wrote. */
function run([name, args]) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.once("error", (err) => {
      output += `${err.message}\n`;
    });
    child.once("close", (code) => {
      const ok = code === 0;
      process.stdout.write(`${ok ? "ok  " : "FAIL"} ${name}\n${output}`);
      resolve(ok);
    });
  });
}

let ok = true;
for (const step of first) ok = (await run(step)) && ok;
if (ok) ok = (await Promise.all(together.map(run))).every(Boolean);
process.exitCode = ok ? 0 : 1;
