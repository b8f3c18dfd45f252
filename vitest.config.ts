import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const packages = fileURLToPath(new URL("./packages/", import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run every package from its sources, so a package's own tests and the testkit's
    // harnesses share one copy of each module. Spawned servers and CLIs run the build.
    alias: [
      {
        find: /^@latchkey\/sdk\/(express|fastify|hono)$/,
        replacement: `${packages}sdk/src/middleware/$1.ts`,
      },
      { find: /^@latchkey\/(\w+)$/, replacement: `${packages}$1/src/index.ts` },
    ],
  },
  test: {
    include: [
      "packages/*/src/**/*.test.{ts,tsx}",
      "examples/**/*.test.ts",
      "test/**/*.test.ts",
      "bench/src/**/*.test.ts",
    ],
    // The fresh-clone test runs on its own afterwards (vitest.freshClone.config.ts): its
    // `npm ci` compiles SQLite, which would slow every timing-sensitive test beside it.
    exclude: ["**/node_modules/**", "**/dist/**", "test/freshClone.test.ts"],
    globalSetup: ["test/globalSetup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
