import type { RevocationBus, Store } from "@latchkey/core";
import { openRevocationBus, openStore } from "@latchkey/store";
import type { Logger } from "pino";
import type { Config } from "./config.js";

export interface Backend {
  store: Store;
  revocations: RevocationBus;
  /** Leaves the cluster (other nodes stop waiting for this one), then closes the store. */
  close(): Promise<void>;
}

/**
 * The storage mode the configuration asks for: SQLite and local invalidation (one node), or
 * PostgreSQL and the LISTEN/NOTIFY revocation bus (any number of nodes). Migrations run here.
 */
export async function openBackend(
  config: Pick<Config, "databaseUrl" | "databaseSchema" | "dataDir" | "nodeLeaseMs">,
  logger: Logger,
): Promise<Backend> {
  if (config.databaseUrl === undefined) {
    const store = await openStore({ kind: "sqlite", dataDir: config.dataDir });
    const revocations = await openRevocationBus({ kind: "local" });
    return { store, revocations, close: () => store.close() };
  }
  const postgres = { url: config.databaseUrl, schema: config.databaseSchema };
  const store = await openStore({ kind: "postgres", ...postgres });
  let revocations: RevocationBus;
  try {
    const log = logger.child({ component: "revocation" });
    revocations = await openRevocationBus({
      kind: "postgres",
      ...postgres,
      leaseMs: config.nodeLeaseMs,
      log: (level, msg, fields) => log[level](fields ?? {}, msg),
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  return {
    store,
    revocations,
    async close() {
      await revocations.close();
      await store.close();
    },
  };
}
