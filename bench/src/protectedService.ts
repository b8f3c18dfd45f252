/**
 * The protected-service case of `npm run bench`: a bare Fastify app of the same shape as case
 * (0) (the server's `fastify`, logger off, GET /api/v0/users/current/ answering the JSON of
 * BENCH_BARE_ANSWER through a response schema), either unprotected (BENCH_SERVICE_MODE=bare)
 * or behind the SDK's `requireKey({ verifier, category: "user_read" })`
 * (BENCH_SERVICE_MODE=verifier, with LATCHKEY_URL and LATCHKEY_VERIFIER_TOKEN). GET /ready
 * answers 200 once the verifier is ready; GET /stats its counts. Its own process, started
 * like the server (serverProcess.ts).
 */
import { pathToFileURL } from "node:url";
import { Verifier } from "@latchkey/sdk";
import { requireKey } from "@latchkey/sdk/fastify";
import type { FastifyInstance, preHandlerHookHandler } from "fastify";
import { benchAnswer, responseSchemaOf, serverFastifyPath } from "./bareFastify.js";

async function main(): Promise<void> {
  const answer = benchAnswer();
  const mode = process.env.BENCH_SERVICE_MODE;
  if (mode !== "bare" && mode !== "verifier") {
    throw new Error("BENCH_SERVICE_MODE must be bare or verifier");
  }
  const imported = (await import(pathToFileURL(serverFastifyPath()).href)) as {
    default: (options: { logger: boolean }) => FastifyInstance;
  };
  const app = imported.default({ logger: false });
  let verifier: Verifier | undefined;
  if (mode === "verifier") {
    verifier = new Verifier({
      url: process.env.LATCHKEY_URL ?? "",
      token: process.env.LATCHKEY_VERIFIER_TOKEN ?? "",
    });
    await verifier.ready();
  }
  const guard = verifier
    ? (requireKey({ verifier, category: "user_read" }) as unknown as preHandlerHookHandler)
    : undefined;
  app.get(
    "/api/v0/users/current/",
    {
      schema: { response: { 200: responseSchemaOf(answer) } },
      ...(guard ? { preHandler: guard } : {}),
    },
    async () => answer,
  );
  app.get("/ready", async () => ({ ready: true }));
  app.get("/stats", async () => ({ ...(verifier?.stats ?? {}), state: verifier?.state() }));
  const stop = () => {
    Promise.resolve(verifier?.close())
      .then(() => app.close())
      .then(
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

main().catch((err: unknown) => {
  process.stderr.write(`protected service: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
