/**
 * Case (0) of `npm run bench`: the physical limit. A bare Fastify app of the very `fastify`
 * package the server uses (resolved from packages/server), logger off, no plugins or hooks,
 * with two routes on the same paths as (b) and (c):
 *
 * - GET /api/v0/users/current/ answers the object of BENCH_BARE_ANSWER (Latchkey's own answer
 *   to that request, so the same size and shape), serialised through a response schema as
 *   Latchkey's route is;
 * - POST /api/v0/auth/verify/ parses the JSON body and echoes it.
 *
 * Started like the server (serverProcess.ts): its own process, on LATCHKEY_HOST:LATCHKEY_PORT.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { FastifyInstance } from "fastify";

const HERE = dirname(fileURLToPath(import.meta.url));
const SERVER_PACKAGE = join(HERE, "..", "..", "packages", "server", "package.json");

/** The `fastify` packages/server resolves, so both processes run the same version. */
export function serverFastifyPath(): string {
  return createRequire(SERVER_PACKAGE).resolve("fastify");
}

/**
 * The answer's own shape as a response schema, so that it is serialised by
 * fast-json-stringify, as Latchkey's routes answer.
 */
export function responseSchemaOf(answer: Record<string, unknown>) {
  const properties: Record<string, { type: string }> = {};
  for (const [name, value] of Object.entries(answer)) {
    properties[name] = {
      type:
        typeof value === "number"
          ? Number.isInteger(value)
            ? "integer"
            : "number"
          : typeof value === "boolean"
            ? "boolean"
            : "string",
    };
  }
  return { type: "object", properties };
}

/** The JSON object in BENCH_BARE_ANSWER, which both bare services answer. */
export function benchAnswer(): Record<string, unknown> {
  const answer = JSON.parse(process.env.BENCH_BARE_ANSWER ?? "null") as Record<
    string,
    unknown
  > | null;
  if (answer === null || typeof answer !== "object") {
    throw new Error("BENCH_BARE_ANSWER must hold the JSON object to answer");
  }
  return answer;
}

async function main(): Promise<void> {
  const answer = benchAnswer();
  const imported = (await import(pathToFileURL(serverFastifyPath()).href)) as {
    default: (options: { logger: boolean }) => FastifyInstance;
  };
  const app = imported.default({ logger: false });
  app.get(
    "/api/v0/users/current/",
    { schema: { response: { 200: responseSchemaOf(answer) } } },
    async () => answer,
  );
  app.post("/api/v0/auth/verify/", async (request) => request.body);
  const stop = () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  await app.listen({
    host: process.env.LATCHKEY_HOST ?? "127.0.0.1",
    port: Number(process.env.LATCHKEY_PORT ?? 0),
  });
}

// Only when run as the process's entry point, not when imported for serverFastifyPath.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`bare fastify: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
