import { Latchkey } from "@latchkey/sdk";
import { createInstancesApp } from "./app.js";

// The service has no key of its own: the verify API needs none. LATCHKEY_URL names the server.
const port = Number(process.env.INSTANCES_PORT ?? 8090);
const host = process.env.INSTANCES_HOST ?? "127.0.0.1";
const client = new Latchkey({ retries: 1 });
const { url } = await client.resolved();

const server = createInstancesApp({ client }).listen(port, host, () => {
  const address = server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  console.log(`instances API on http://${host}:${bound}, verifying keys with ${url}`);
});
const stop = () => server.close(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
