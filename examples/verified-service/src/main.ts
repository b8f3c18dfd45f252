import { Verifier } from "@latchkey/sdk";
import { requireKey } from "@latchkey/sdk/fastify";
import Fastify from "fastify";

/**
 * A small service protected by Latchkey with an in-process verifier: a key's verdict is
 * answered from the verifier's cache (no network round trip), and a delete or reset on the
 * Latchkey server reaches it before the delete returns (docs/revocation.md, "Verifiers").
 *
 * LATCHKEY_URL names the server (default http://127.0.0.1:8080); LATCHKEY_VERIFIER_TOKEN is
 * the token POST /api/v0/verifiers/ made for this service.
 */
const url = process.env.LATCHKEY_URL ?? "http://127.0.0.1:8080";
const token = process.env.LATCHKEY_VERIFIER_TOKEN;
if (!token) {
  console.error(
    "LATCHKEY_VERIFIER_TOKEN is not set: make one with POST /api/v0/verifiers/ (see examples/verified-service/README.md)",
  );
  process.exit(2);
}
const port = Number(process.env.SERVICE_PORT ?? 8091);
const host = process.env.SERVICE_HOST ?? "127.0.0.1";

const verifier = new Verifier({
  url,
  token,
  onError: (err) => console.error(`verifier: ${err.message}`),
});
try {
  await verifier.ready();
} catch (err) {
  console.error(`the Latchkey server refused the verifier's token: ${(err as Error).message}`);
  process.exit(1);
}

const app = Fastify();
app.get(
  "/api/v0/instances/",
  { preHandler: requireKey({ verifier, category: "instance_read" }) },
  async (request) => ({
    instances: [{ id: 1227 }, { id: 1228 }],
    key_id: request.latchkey?.keyId,
  }),
);
// Counts only, never a key: how many answers came from the cache and how many asked Latchkey.
app.get("/stats", async () => ({ state: verifier.state(), ...verifier.stats }));

await app.listen({ port, host });
const address = app.server.address();
const bound = typeof address === "object" && address ? address.port : port;
console.log(`verified service on http://${host}:${bound}, verifier connected to ${url}`);

const stop = () => {
  // Tells Latchkey first, so that deletes stop waiting for this verifier's lease.
  verifier
    .close()
    .then(() => app.close())
    .then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
