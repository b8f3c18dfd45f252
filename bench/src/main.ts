import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Cleanup } from "./cleanup.js";
import { type BenchOptions, parseOptions, USAGE, UsageError } from "./options.js";
import { addRefusalFlood } from "./refusalFlood.js";
import { formatResults } from "./report.js";
import { runBench } from "./runBench.js";

/**
 * `npm run bench`: the only place that exits. Exit status 0 when the run completed (targets
 * met or not; `--check` makes a missed target exit 3), 1 on an error, 2 on a usage error.
 */
async function main(argv: readonly string[]): Promise<number> {
  let options: BenchOptions | "help";
  try {
    options = parseOptions(argv, process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  const cleanup = new Cleanup();
  const report = (err: unknown) =>
    process.stderr.write(
      `bench: cleanup failed: ${err instanceof Error ? err.message : String(err)}\n`,
    );
  const interrupted = async (signal: NodeJS.Signals) => {
    process.stderr.write(`\nbench: ${signal}, cleaning up…\n`);
    await cleanup.runAll(report);
    process.exit(130);
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    const log = (line: string) => process.stdout.write(`${line}\n`);
    const measured = await runBench(options, cleanup, log);
    // --revocation-only and --verifier-only are that scenario alone: no refusal floods either.
    const results =
      options.revocation === "only" || options.verifier === "only"
        ? measured
        : await addRefusalFlood(measured, options, cleanup, log);
    process.stdout.write(`\n${formatResults(results)}\n`);
    const dir = resolve(options.outDir);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `bench-${results.startedAt.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`Results written to ${file}\n`);
    return options.check && !results.pass ? 3 : 0;
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await cleanup.runAll(report);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
