import { defineConfig } from "rolldown";

/**
 * The server as one file, what `npm start` and the tests' server processes run. Loading the
 * compiled output module by module (about 700 of them, kysely's and typebox's included) took
 * two thirds of a start's CPU; one file takes a third of that. The database and Redis drivers
 * and pino-pretty stay outside: a server loads only those its configuration uses.
 * Not minified, so that a stack trace names the functions and the `//#region` comments the
 * source files.
 */
export default defineConfig({
  input: "dist/main.js",
  platform: "node",
  external: [/^better-sqlite3(\/|$)/, /^pg(\/|$)/, /^ioredis(\/|$)/, /^pino-pretty(\/|$)/],
  output: { file: "dist/main.bundle.js", format: "esm" },
  logLevel: "warn",
});
