import { defineConfig } from "rolldown";

/**
 * The CLI as `bin/latchkey.js` runs it, in three parts: `bin.js` (with `installed.js`) answers
 * `--version` alone; `program.js` holds commander, the parser and the help; `commands.js` every
 * command, loaded once a command line names one. The few small files beside them only
 * re-export from those, for the dynamic imports (the commands' module, the App, serve's).
 * Loading the compiled modules one by one (sixty and more for a command) took most of a
 * command's start. The server and the store stay outside: only `serve`, `backup` and
 * `restore` load them.
 */
export default defineConfig({
  input: "dist/bin.js",
  platform: "node",
  external: [/^@latchkey\/(server|store)(\/|$)/],
  // An entry's exports may gain names: the entry is run, not imported.
  preserveEntrySignatures: "allow-extension",
  output: {
    dir: "bundle",
    cleanDir: true,
    format: "esm",
    entryFileNames: "[name].js",
    chunkFileNames: "[name].js",
    codeSplitting: {
      groups: [
        // What `--version` reads, kept out of the others so that it loads nothing else.
        { name: "installed", test: /\/dist\/installed\.js$/, priority: 3 },
        {
          name: "program",
          test: /\/dist\/(runCli|program|prompt\/nodeInput)\.js$/,
          priority: 2,
        },
        {
          name: "commands",
          test: (id) => !/\/dist\/(bin|installed)\.js$/.test(id),
          includeDependenciesRecursively: false,
          priority: 1,
        },
      ],
    },
  },
  logLevel: "warn",
});
