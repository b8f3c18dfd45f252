import type {
  AuditFilter,
  AuditRecord,
  CredentialKind,
  KeyRecord,
  KeyUse,
  NewAudit,
  NewKey,
  SecretChange,
  Store,
  StoreTx,
  UserRecord,
} from "@latchkey/core";
import { type Kysely, Migrator, type Selectable, sql, type Transaction } from "kysely";
import type { Capabilities } from "./dialect.js";
import { latestMigration, migrationProvider } from "./migrations/index.js";
import type { Database } from "./schema.js";

type UserRow = Selectable<Database["users"]>;
type KeyRow = Selectable<Database["api_keys"]>;
type AuditRow = Selectable<Database["audit_logs"]>;

const toUser = (r: UserRow): UserRecord => ({
  id: Number(r.id),
  email: r.email,
  passwordHash: r.password_hash,
  isAdmin: Number(r.is_admin) === 1,
  createdAt: r.created_at,
});

const toKey = (r: KeyRow): KeyRecord => ({
  id: Number(r.id),
  userId: Number(r.user_id),
  kind: r.kind as CredentialKind,
  name: r.name,
  keyHash: r.key_hash,
  hashVersion: Number(r.hash_version),
  prefix: r.prefix,
  last4: r.last4,
  permissions: r.permissions,
  keyParams: r.key_params,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  lastUsedIp: r.last_used_ip,
  expiresAt: r.expires_at,
  deletedAt: r.deleted_at,
});

const toAudit = (r: AuditRow): AuditRecord => ({
  id: Number(r.id),
  userId: Number(r.user_id),
  apiKeyId: r.api_key_id === null ? null : Number(r.api_key_id),
  action: r.action,
  apiRoute: r.api_route,
  args: r.args,
  ipAddress: r.ip_address,
  createdAt: r.created_at,
});

/** The writes that may run inside a transaction, over either the database or a transaction. */
class KyselyTx implements StoreTx {
  constructor(protected readonly db: Kysely<Database> | Transaction<Database>) {}

  async insertKey(key: NewKey): Promise<KeyRecord> {
    const row = await this.db
      .insertInto("api_keys")
      .values({
        user_id: key.userId,
        kind: key.kind,
        name: key.name,
        key_hash: key.keyHash,
        hash_version: key.hashVersion,
        prefix: key.prefix,
        last4: key.last4,
        permissions: key.permissions,
        key_params: key.keyParams,
        created_at: key.createdAt,
        expires_at: key.expiresAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toKey(row);
  }

  async deleteKey(userId: number, id: number, kind: CredentialKind, at: string) {
    const row = await this.db
      .updateTable("api_keys")
      .set({ deleted_at: at })
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .where("kind", "=", kind)
      .where("deleted_at", "is", null)
      .returningAll()
      .executeTakeFirst();
    return row && toKey(row);
  }

  async replaceSecret(userId: number, id: number, change: SecretChange) {
    const row = await this.db
      .updateTable("api_keys")
      .set({
        key_hash: change.keyHash,
        hash_version: change.hashVersion,
        prefix: change.prefix,
        last4: change.last4,
      })
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .where("kind", "=", "api")
      .where("deleted_at", "is", null)
      .returningAll()
      .executeTakeFirst();
    return row && toKey(row);
  }

  async insertAudit(event: NewAudit): Promise<void> {
    await this.db
      .insertInto("audit_logs")
      .values({
        user_id: event.userId,
        api_key_id: event.apiKeyId,
        action: event.action,
        api_route: event.apiRoute,
        args: event.args,
        ip_address: event.ipAddress,
        created_at: event.createdAt,
      })
      .execute();
  }
}

/** The storage port over Kysely; the dialect's differences come in through `caps`. */
export class KyselyStore extends KyselyTx implements Store {
  readonly dialect: Store["dialect"];

  /**
   * @param schema PostgreSQL: the schema every table lives in. Kysely's migrator is told it
   * explicitly: without it, a migration table in any other schema of the database counts as
   * ours and the migrations never run.
   */
  constructor(
    private readonly kysely: Kysely<Database>,
    private readonly caps: Capabilities,
    private readonly schema?: string,
  ) {
    super(kysely);
    this.dialect = caps.name;
  }

  /** Brings the schema up to date; safe when several nodes start at once (Kysely's migration lock). */
  async migrate(): Promise<void> {
    const migrator = new Migrator({
      db: this.kysely,
      provider: migrationProvider(this.caps),
      ...(this.schema !== undefined ? { migrationTableSchema: this.schema } : {}),
    });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
  }

  async createUser(user: { email: string; passwordHash: string; createdAt: string }) {
    try {
      return await this.kysely.transaction().execute(async (trx) => {
        await this.caps.serializeSignUps(trx);
        const existing = await trx.selectFrom("users").select("id").limit(1).executeTakeFirst();
        const row = await trx
          .insertInto("users")
          .values({
            email: user.email,
            password_hash: user.passwordHash,
            is_admin: existing ? 0 : 1,
            created_at: user.createdAt,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toUser(row);
      });
    } catch (err) {
      if (this.caps.isUniqueViolation(err)) return "email_taken" as const;
      throw err;
    }
  }

  async hasUsers() {
    const row = await this.kysely.selectFrom("users").select("id").limit(1).executeTakeFirst();
    return row !== undefined;
  }

  async findUserByEmail(email: string) {
    const row = await this.kysely
      .selectFrom("users")
      .selectAll()
      .where("email", "=", email)
      .executeTakeFirst();
    return row && toUser(row);
  }

  async findUserById(id: number) {
    const row = await this.kysely
      .selectFrom("users")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row && toUser(row);
  }

  async rehashKey(id: number, fromHash: string, to: { keyHash: string; hashVersion: number }) {
    const rows = await this.kysely
      .updateTable("api_keys")
      .set({ key_hash: to.keyHash, hash_version: to.hashVersion })
      .where("id", "=", id)
      .where("key_hash", "=", fromHash)
      .returning("id")
      .execute();
    return rows.length === 1;
  }

  async findKeyByHash(keyHash: string) {
    const row = await this.kysely
      .selectFrom("api_keys")
      .selectAll()
      .where("key_hash", "=", keyHash)
      .executeTakeFirst();
    return row && toKey(row);
  }

  async findKey(userId: number, id: number, kind: CredentialKind) {
    const row = await this.kysely
      .selectFrom("api_keys")
      .selectAll()
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .where("kind", "=", kind)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return row && toKey(row);
  }

  async listKeys(userId: number, kind: CredentialKind) {
    const rows = await this.kysely
      .selectFrom("api_keys")
      .selectAll()
      .where("user_id", "=", userId)
      .where("kind", "=", kind)
      .where("deleted_at", "is", null)
      .orderBy("id")
      .execute();
    return rows.map(toKey);
  }

  async deleteOtherSessions(userId: number, keepId: number, at: string) {
    const rows = await this.kysely
      .updateTable("api_keys")
      .set({ deleted_at: at })
      .where("user_id", "=", userId)
      .where("kind", "=", "session")
      .where("id", "!=", keepId)
      .where("deleted_at", "is", null)
      .returning("id")
      .execute();
    return rows.map((r) => Number(r.id));
  }

  async recordUse(uses: readonly KeyUse[]) {
    if (uses.length === 0) return;
    await this.kysely.transaction().execute(async (trx) => {
      for (const use of uses) {
        // Nodes flush on their own timers, so an older use may arrive after a newer one.
        await trx
          .updateTable("api_keys")
          .set({ last_used_at: use.at, last_used_ip: use.ip })
          .where("id", "=", use.id)
          .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<", use.at)]))
          .execute();
      }
    });
  }

  async listAudit(userId: number, filter: AuditFilter) {
    let query = this.kysely.selectFrom("audit_logs").selectAll().where("user_id", "=", userId);
    if (filter.action !== undefined) query = query.where("action", "=", filter.action);
    if (filter.apiKeyId !== undefined) query = query.where("api_key_id", "=", filter.apiKeyId);
    if (filter.before !== undefined) query = query.where("id", "<", filter.before);
    const rows = await query.orderBy("id", "desc").limit(filter.limit).execute();
    return rows.map(toAudit);
  }

  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.kysely.transaction().execute((trx) => work(new KyselyTx(trx)));
  }

  async ping(): Promise<boolean> {
    try {
      const { rows } = await sql<{ name: string }>`
        select name from kysely_migration order by name desc limit 1`.execute(this.kysely);
      return rows[0]?.name === latestMigration(this.caps);
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.kysely.destroy();
  }
}
