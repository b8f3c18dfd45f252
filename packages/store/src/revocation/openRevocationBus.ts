import type { RevocationBus } from "@latchkey/core";
import { LocalRevocationBus } from "./localRevocationBus.js";
import { PgRevocationBus, type PgRevocationBusOptions } from "./pgRevocationBus.js";

export type RevocationBusOptions =
  | { kind: "local" }
  | ({ kind: "postgres" } & PgRevocationBusOptions);

/** The bus for a storage mode: local for the single SQLite node, LISTEN/NOTIFY on PostgreSQL. */
export async function openRevocationBus(options: RevocationBusOptions): Promise<RevocationBus> {
  return options.kind === "local" ? new LocalRevocationBus() : PgRevocationBus.open(options);
}
