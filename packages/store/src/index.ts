export { type Capabilities, postgresCapabilities, sqliteCapabilities } from "./dialect.js";
export { KyselyStore } from "./kyselyStore.js";
export { openStore, SQLITE_FILE, type StoreOptions } from "./open.js";
