import type { ColumnDefinitionBuilder } from "kysely";

/**
 * What differs between the databases, in one place (Kysely's habit): migrations and queries
 * ask this object instead of testing the dialect's name.
 */
export interface Capabilities {
  name: "sqlite" | "postgres";
  /** Builds an auto-incrementing integer primary key. */
  primaryKey(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** The error a unique index raises, recognised without parsing messages. */
  isUniqueViolation(err: unknown): boolean;
}

export const sqliteCapabilities: Capabilities = {
  name: "sqlite",
  primaryKey: (c) => c.primaryKey().autoIncrement(),
  isUniqueViolation: (err) =>
    typeof err === "object" &&
    err !== null &&
    (err as { code?: unknown }).code === "SQLITE_CONSTRAINT_UNIQUE",
};

export const postgresCapabilities: Capabilities = {
  name: "postgres",
  primaryKey: (c) => c.primaryKey().generatedByDefaultAsIdentity(),
  isUniqueViolation: (err) =>
    typeof err === "object" && err !== null && (err as { code?: unknown }).code === "23505",
};
