#!/usr/bin/env node
import { main } from "@latchkey/server";

/** Minimal entry until the full CLI lands (issue 3): `latchkey serve` and `--help`. */
const [command] = process.argv.slice(2);
if (command === "serve") {
  main().then((code) => process.exit(code));
} else {
  process.stdout.write(
    "Usage: latchkey serve\n\nStarts the Latchkey server (same as npm start).\n",
  );
  process.exit(command === undefined || command === "--help" || command === "-h" ? 0 : 2);
}
