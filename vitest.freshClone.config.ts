import { defineConfig } from "vitest/config";

/**
 * The fresh-clone test alone (`npm run test:fresh-clone`, the last step of `npm test`): a
 * clone of HEAD, `npm ci` and the READMEs' commands as a new user runs them.
 */
export default defineConfig({
  test: {
    include: ["test/freshClone.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
