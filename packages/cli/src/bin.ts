/**
 * The CLI's entry point: `node dist/bin.js`, or the package's bin `bin/latchkey.js` (checked in,
 * so that `npm ci` can link it before the CLI is built), which imports its bundled build.
 */
import { version } from "./installed.js";

/** Resolves once everything written to the stream has been handed to the OS. */
const flushed = (stream: NodeJS.WriteStream) =>
  new Promise<void>((resolve) => stream.write("", () => resolve()));

// A reader that stops early (`latchkey --help | head -3`) closes the pipe: nothing is left to
// say to it, so that is a quiet end, not a crash with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
}

const argv = process.argv.slice(2);

// `latchkey --version` alone needs nothing but the version (what the program would print):
// answered before the parser and the rest are loaded.
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(`${version}\n`);
} else {
  await main();
}

async function main(): Promise<void> {
  const [{ nodeInput }, { runCli }] = await Promise.all([
    import("./prompt/nodeInput.js"),
    import("./runCli.js"),
  ]);
  /** The only place that touches process.exit: every command returns its status instead. */
  await runCli(argv, {
    stdout: {
      write: (text) => void process.stdout.write(text),
      isTTY: process.stdout.isTTY === true,
    },
    stderr: {
      write: (text) => void process.stderr.write(text),
      isTTY: process.stderr.isTTY === true,
    },
    input: nodeInput(process.stdin, process.stderr),
    env: process.env,
    cwd: process.cwd(),
  }).then(
    async (code) => {
      await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
      process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(
        `latchkey: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}
