/**
 * The storage port: just what the server calls, implemented for SQLite and PostgreSQL by
 * @latchkey/store and run against both by one shared test suite. Times are ISO 8601 strings
 * in UTC so that they compare as text the same way in every database.
 */
export type CredentialKind = "api" | "session";

export interface UserRecord {
  id: number;
  email: string;
  passwordHash: string;
  isAdmin: boolean;
  createdAt: string;
}

export interface KeyRecord {
  id: number;
  userId: number;
  kind: CredentialKind;
  name: string;
  /** HMAC of the secret under pepper `hashVersion`; the secret itself is never stored. */
  keyHash: string;
  hashVersion: number;
  prefix: string;
  last4: string;
  /** JSON text of the permission tree; null is full access. */
  permissions: string | null;
  /** JSON text of key_params; null when none. */
  keyParams: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  expiresAt: string | null;
  deletedAt: string | null;
}

export type NewKey = Omit<KeyRecord, "id" | "lastUsedAt" | "lastUsedIp" | "deletedAt">;

export interface AuditRecord {
  id: number;
  userId: number;
  apiKeyId: number | null;
  action: string;
  apiRoute: string;
  /** JSON text; never holds a secret. */
  args: string;
  ipAddress: string | null;
  createdAt: string;
}

export type NewAudit = Omit<AuditRecord, "id">;

export interface AuditFilter {
  action?: string | undefined;
  apiKeyId?: number | undefined;
  /** Rows with an id below this one (paging backwards). */
  before?: number | undefined;
  limit: number;
}

export interface KeyUse {
  id: number;
  at: string;
  ip: string | null;
}

export interface SecretChange {
  keyHash: string;
  prefix: string;
  hashVersion: number;
  last4: string;
}

/** Writes that happen together, with their audit row, in one transaction. */
export interface StoreTx {
  insertKey(key: NewKey): Promise<KeyRecord>;
  /** Soft-deletes a live key of the user; returns it, or undefined when there is none. */
  deleteKey(
    userId: number,
    id: number,
    kind: CredentialKind,
    at: string,
  ): Promise<KeyRecord | undefined>;
  /** Swaps a live key's secret; the old hash stops matching the moment this commits. */
  replaceSecret(userId: number, id: number, change: SecretChange): Promise<KeyRecord | undefined>;
  insertAudit(event: NewAudit): Promise<void>;
}

export interface Store extends StoreTx {
  readonly dialect: "sqlite" | "postgres";
  /** Creates the user unless the email is taken; the first user becomes an administrator. */
  createUser(user: {
    email: string;
    passwordHash: string;
    createdAt: string;
  }): Promise<UserRecord | "email_taken">;
  /** True once any account exists (closed sign-up still lets the first one in). */
  hasUsers(): Promise<boolean>;
  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  findUserById(id: number): Promise<UserRecord | undefined>;
  /**
   * Moves a key's hash to a newer pepper version, unless its secret changed meanwhile (the
   * row must still hold `fromHash`). Used when a key is presented after a pepper rotation.
   */
  rehashKey(
    id: number,
    fromHash: string,
    to: { keyHash: string; hashVersion: number },
  ): Promise<boolean>;
  /** Any key row whose hash matches, deleted or not. */
  findKeyByHash(keyHash: string): Promise<KeyRecord | undefined>;
  findKey(userId: number, id: number, kind: CredentialKind): Promise<KeyRecord | undefined>;
  listKeys(userId: number, kind: CredentialKind): Promise<KeyRecord[]>;
  /** Ends the user's live sessions other than `keepId`; returns the ids it ended. */
  deleteOtherSessions(userId: number, keepId: number, at: string): Promise<number[]>;
  /** Records last use in one batch (at most one row write per key). */
  recordUse(uses: readonly KeyUse[]): Promise<void>;
  listAudit(userId: number, filter: AuditFilter): Promise<AuditRecord[]>;
  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** True when the database answers and migrations are done. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
