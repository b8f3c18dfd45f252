import { type ColumnDefinitionBuilder, type Kysely, type QueryExecutorProvider, sql } from "kysely";

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
  /**
   * Makes concurrent sign-ups take turns, so that exactly one of them sees an empty users
   * table and becomes the administrator.
   */
  serializeSignUps(trx: QueryExecutorProvider): Promise<void>;
  /**
   * Makes transactions that write one account's capped resources (webhook endpoints) take
   * turns until the calling transaction ends, so that a count and the insert it allows cannot
   * interleave with another's.
   */
  lockAccount(trx: QueryExecutorProvider, userId: number): Promise<void>;
  /**
   * Installs what tells other server nodes that a key changed. On PostgreSQL a trigger sends
   * a NOTIFY in the changing transaction, so no revocation goes unannounced, whoever makes it
   * (a node that crashes right after its commit, or an operator with psql). SQLite serves a
   * single node and needs nothing.
   */
  installChangeNotifications(db: Kysely<unknown>): Promise<void>;
  /**
   * Installs what tells other server nodes that keys were inserted, so that none keeps
   * refusing a secret it found no row for before (the key cache's record of unknown secrets).
   * On PostgreSQL one NOTIFY per inserting statement; SQLite serves a single node, whose keys
   * are all inserted by itself, and needs nothing.
   */
  installInsertNotifications(db: Kysely<unknown>): Promise<void>;
  /**
   * Whether a select may lock the rows it takes and skip rows other transactions hold
   * (`for update skip locked`), so that nodes claiming work never wait on or take the same
   * rows. SQLite serves a single node whose transactions already run one at a time.
   */
  supportsSkipLocked: boolean;
}

export const sqliteCapabilities: Capabilities = {
  name: "sqlite",
  primaryKey: (c) => c.primaryKey().autoIncrement(),
  isUniqueViolation: (err) =>
    typeof err === "object" &&
    err !== null &&
    (err as { code?: unknown }).code === "SQLITE_CONSTRAINT_UNIQUE",
  // One connection, and Kysely runs its transactions one at a time on it.
  serializeSignUps: async () => {},
  lockAccount: async () => {},
  installChangeNotifications: async () => {},
  installInsertNotifications: async () => {},
  supportsSkipLocked: false,
};

/** The NOTIFY channel of a schema; nodes compute the same expression to LISTEN on it. */
export const CHANNEL_SQL = "'latchkey_' || md5(TG_TABLE_SCHEMA)";

export const postgresCapabilities: Capabilities = {
  name: "postgres",
  primaryKey: (c) => c.primaryKey().generatedByDefaultAsIdentity(),
  isUniqueViolation: (err) =>
    typeof err === "object" && err !== null && (err as { code?: unknown }).code === "23505",
  serializeSignUps: async (trx) => {
    // Blocks other sign-ups (not readers) until this transaction ends; sign-ups are rare.
    await sql`lock table users in share row exclusive mode`.execute(trx);
  },
  lockAccount: async (trx, userId) => {
    // The account's row lock: other writers of this account wait, readers and others do not.
    await sql`select id from users where id = ${userId} for update`.execute(trx);
  },
  installChangeNotifications: async (db) => {
    // The channel is derived from the table's schema, so schemas sharing a database (parallel
    // test runs, several deployments) never hear each other; md5 keeps it within 63 bytes.
    await sql`
      create or replace function latchkey_key_changed() returns trigger
      language plpgsql as $$
      begin
        perform pg_notify(${sql.raw(CHANNEL_SQL)}, 'k:' || old.id);
        return null;
      end
      $$`.execute(db);
    // Any change but last use (written every few seconds per key, and nothing a cache relies
    // on) is announced, so columns added later are covered without touching this trigger.
    await sql`
      create trigger api_keys_changed after update on api_keys for each row
      when (
        (to_jsonb(old) - 'last_used_at' - 'last_used_ip') is distinct from
        (to_jsonb(new) - 'last_used_at' - 'last_used_ip')
      )
      execute function latchkey_key_changed()`.execute(db);
    await sql`
      create trigger api_keys_removed after delete on api_keys for each row
      execute function latchkey_key_changed()`.execute(db);
  },
  installInsertNotifications: async (db) => {
    // Per statement, not per row, and without the ids: a node forgets every secret it found
    // no row for, whichever rows came (a bulk load announces itself once).
    await sql`
      create or replace function latchkey_keys_added() returns trigger
      language plpgsql as $$
      begin
        perform pg_notify(${sql.raw(CHANNEL_SQL)}, 'n');
        return null;
      end
      $$`.execute(db);
    await sql`
      create trigger api_keys_added after insert on api_keys for each statement
      execute function latchkey_keys_added()`.execute(db);
  },
  supportsSkipLocked: true,
};
