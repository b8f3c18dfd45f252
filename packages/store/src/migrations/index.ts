import type { Migration, MigrationProvider } from "kysely";
import type { Capabilities } from "../dialect.js";
import { initial } from "./001_initial.js";
import { nodes } from "./002_nodes.js";
import { lifecycle } from "./003_lifecycle.js";
import { webhooks } from "./004_webhooks.js";
import { canonicalTimes } from "./005_canonical_times.js";
import { auditCounts } from "./006_audit_counts.js";
import { teams } from "./007_teams.js";
import { verifierConnections } from "./008_verifier_connections.js";
import { sparsePreviousHash } from "./009_sparse_previous_hash.js";
import { insertNotifications } from "./010_insert_notifications.js";

/** Migrations live in code, in order; a new one is a new file and a new line here. */
export function migrations(caps: Capabilities): Record<string, Migration> {
  return {
    "001_initial": initial(caps),
    "002_nodes": nodes(caps),
    "003_lifecycle": lifecycle(caps),
    "004_webhooks": webhooks(caps),
    "005_canonical_times": canonicalTimes(),
    "006_audit_counts": auditCounts(),
    "007_teams": teams(caps),
    "008_verifier_connections": verifierConnections(),
    "009_sparse_previous_hash": sparsePreviousHash(),
    "010_insert_notifications": insertNotifications(caps),
  };
}

/** The name of the newest migration: a database that has run it is up to date. */
export function latestMigration(caps: Capabilities): string {
  const names = Object.keys(migrations(caps)).sort();
  const last = names[names.length - 1];
  if (last === undefined) throw new Error("no migrations");
  return last;
}

export function migrationProvider(caps: Capabilities): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return migrations(caps);
    },
  };
}
