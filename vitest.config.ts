import { existsSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

const root = fileURLToPath(new URL("./", import.meta.url));
const packages = fileURLToPath(new URL("./packages/", import.meta.url));

const include = [
  "packages/*/src/**/*.test.{ts,tsx}",
  "examples/**/*.test.ts",
  "test/**/*.test.ts",
  "bench/src/**/*.test.ts",
];
const exclude = ["**/node_modules/**", "**/dist/**"];

/**
 * Files that measure real time against a budget (Redis windows of a minute, node leases and
 * heartbeats, retry and restart deadlines) while driving several server processes or
 * thousands of requests. They run after the others, two at a time, so that the rest of the
 * suite cannot starve them: each then has about a core, more than it gets beside the others.
 */
const timed = [
  "packages/server/src/auth/refusalFlood.test.ts",
  "packages/server/src/cluster/accountCaps.test.ts",
  "packages/server/src/cluster/revocationRace.test.ts",
  "packages/server/src/webhooks/webhookDurability.test.ts",
  "packages/store/src/revocation/pgRevocationBus.test.ts",
  "packages/sdk/src/verifier/verifierCluster.test.ts",
];

/**
 * Test files at once. Most wait on something (a spawned CLI or server, PostgreSQL, a
 * browser, scrypt in libuv's pool), so more files than cores keep the cores busy; Vitest's
 * default of one fewer than the cores would run the suite one file at a time on two.
 */
const maxWorkers = 3;

/**
 * The files that take longest (from a quarter of a minute to over two, measured on a fresh
 * clone), longest first. Vitest orders files by their last run's duration, which a fresh
 * clone (CI) has not got: it falls back on file size, which started these late and left one
 * running alone at the end. Started first, they run beside the many short files instead.
 */
const longest = [
  "bench/src/bench.test.ts",
  "test/freshClone.test.ts",
  "packages/cli/src/commands/backup.test.ts",
  "packages/server/src/http/secretsInLogs.test.ts",
  "packages/console/src/e2e/console.test.ts",
  "packages/console/src/e2e/lifecycle.test.ts",
  "packages/console/src/e2e/webhooks.test.ts",
  "packages/console/src/e2e/teams.test.ts",
  "packages/server/src/cluster/teamRevocation.test.ts",
  "packages/cli/src/importGraph.test.ts",
];

for (const file of longest) {
  if (!existsSync(`${root}${file}`)) throw new Error(`vitest.config.ts: no ${file} to start first`);
}

/** Vitest's order, with the `longest` files moved to the front of their group, in that order. */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const at = longest.indexOf(relative(root, file.moduleId));
      return at === -1 ? longest.length : at;
    };
    const ordered = await super.sort(files);
    const groupOrder = (file: TestSpecification) => file.project.config.sequence.groupOrder;
    return ordered
      .map((file, at) => ({ file, at }))
      .sort(
        (a, b) =>
          groupOrder(a.file) - groupOrder(b.file) || rank(a.file) - rank(b.file) || a.at - b.at,
      )
      .map(({ file }) => file);
  }
}

export default defineConfig({
  resolve: {
    // Tests run every package from its sources, so a package's own tests and the testkit's
    // harnesses share one copy of each module. Spawned servers and CLIs run the build.
    alias: [
      {
        find: /^@latchkey\/sdk\/(express|fastify|hono)$/,
        replacement: `${packages}sdk/src/middleware/$1.ts`,
      },
      // core's own entry points besides its index (its package.json "exports").
      { find: /^@latchkey\/core\/(keyFormat|text)$/, replacement: `${packages}core/src/$1.ts` },
      { find: /^@latchkey\/(\w+)$/, replacement: `${packages}$1/src/index.ts` },
    ],
  },
  test: {
    globalSetup: ["test/globalSetup.ts"],
    sequence: { sequencer: LongestFirst },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // A worker runs its files one after another in one process, each file evaluated afresh
    // but the modules it imports (Fastify, Kysely, the packages' sources) loaded once per
    // worker: isolating every file re-imported them each time, a fifth of the suite's CPU.
    // It holds because no test leaves anything behind in a shared module or the process
    // (servers closed, env and timers restored, no module mocks).
    isolate: false,
    projects: [
      {
        extends: true,
        test: { name: "parallel", include, exclude: [...exclude, ...timed], maxWorkers },
      },
      {
        extends: true,
        test: {
          name: "timed",
          include: timed,
          exclude,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
