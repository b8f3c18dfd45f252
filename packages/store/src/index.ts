export { type Capabilities, postgresCapabilities, sqliteCapabilities } from "./dialect.js";
export { KyselyStore } from "./kyselyStore.js";
export { openStore, SQLITE_FILE, type StoreOptions } from "./open.js";
export { isValidSchemaName, type PostgresOptions } from "./postgresConnection.js";
export {
  type LeaseTimings,
  leaseTimings,
  worstCaseRevocationMs,
} from "./revocation/leaseTimings.js";
export { LocalRevocationBus } from "./revocation/localRevocationBus.js";
export {
  openRevocationBus,
  type RevocationBusOptions,
} from "./revocation/openRevocationBus.js";
export {
  channelOf,
  PgRevocationBus,
  type PgRevocationBusOptions,
} from "./revocation/pgRevocationBus.js";
export type {
  BusLog,
  LeaseLossReason,
  RevocationBus,
  RevocationListener,
} from "./revocation/revocationBus.js";
/** The tables as Kysely sees them; the benchmark seeds through this type, so it tracks the schema. */
export type { Database } from "./schema.js";
export {
  backupSqlite,
  restoreSqlite,
  type SqliteBackup,
  SqliteFileError,
  type SqliteFileProblem,
  type SqliteRestore,
} from "./sqliteBackup.js";
