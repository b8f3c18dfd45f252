import { defineConfig } from "vitest/config";

export default defineConfig({
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
