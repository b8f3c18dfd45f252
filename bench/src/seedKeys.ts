import { generateKey, type PepperRing } from "@latchkey/core";
import type { Database } from "@latchkey/store";
import type { Insertable, Kysely } from "kysely";

/** Rows per multi-row INSERT: well inside SQLite's and PostgreSQL's bound-parameter limits. */
const BATCH = 1000;
/** Accounts hold ten keys each on average. */
const KEYS_PER_USER = 10;
const KEY_PREFIX = "lk";
/** What the server's issuer shows of a secret: the prefix, "_" and four characters. */
const VISIBLE_CHARS = 4;

/**
 * The permission trees seeded keys carry in turn: full access, two categories, and a
 * wildcard grant beside a constrained route. All grant `user_read` and `instance_read`, which
 * the benchmark's requests need; the variety makes rows and cache entries realistic.
 */
export const SEED_TREES: readonly (string | null)[] = [
  null,
  JSON.stringify({ api: { user_read: {}, instance_read: {} } }),
  JSON.stringify({
    api: {
      user_read: {},
      instance_read: { "*": {} },
      instance_write: { "api.instance.reboot": { constraints: { id: { lte: 5000 } } } },
    },
  }),
];

export interface SeedPlan {
  /** Keys in the store. */
  total: number;
  /** Secrets the benchmark keeps, to present them (spread evenly over the table). */
  retain: number;
}

export interface SeededKeys {
  /** The kept secrets, in table order; only in this process's memory, never written out. */
  secrets: string[];
  users: number;
  seconds: number;
}

/**
 * Fills the store with `total` live API keys of `total / 10` accounts, hashed exactly as the
 * server hashes (core's PepperRing, the server's pepper), with batched multi-row inserts, each
 * batch its own transaction. The next batch is generated while the previous one is written.
 */
export async function seedKeys(
  db: Kysely<Database>,
  peppers: PepperRing,
  plan: SeedPlan,
  onProgress: (done: number) => void = () => {},
): Promise<SeededKeys> {
  const started = performance.now();
  const createdAt = new Date().toISOString();
  const userCount = Math.max(1, Math.ceil(plan.total / KEYS_PER_USER));
  const userIds: number[] = [];
  for (let first = 0; first < userCount; first += BATCH) {
    const rows: Insertable<Database["users"]>[] = [];
    for (let i = first; i < Math.min(first + BATCH, userCount); i++) {
      // Nobody logs in as these accounts: the hash matches no password.
      rows.push({
        email: `bench-${i}@bench.invalid`,
        password_hash: "bench:no-login",
        is_admin: 0,
        created_at: createdAt,
      });
    }
    const inserted = await db.insertInto("users").values(rows).returning("id").execute();
    for (const row of inserted) userIds.push(Number(row.id));
  }

  const stride = plan.retain > 0 ? Math.max(1, Math.floor(plan.total / plan.retain)) : 0;
  const secrets: string[] = [];
  let writing: Promise<unknown> = Promise.resolve();
  for (let first = 0; first < plan.total; first += BATCH) {
    const rows: Insertable<Database["api_keys"]>[] = [];
    for (let i = first; i < Math.min(first + BATCH, plan.total); i++) {
      const secret = generateKey(KEY_PREFIX);
      if (stride > 0 && i % stride === 0 && secrets.length < plan.retain) secrets.push(secret);
      rows.push({
        user_id: userIds[i % userIds.length] ?? 1,
        kind: "api",
        name: `bench key ${i}`,
        key_hash: peppers.hash(secret),
        hash_version: peppers.current.version,
        prefix: secret.slice(0, KEY_PREFIX.length + 1 + VISIBLE_CHARS),
        last4: secret.slice(-4),
        permissions: SEED_TREES[i % SEED_TREES.length] ?? null,
        key_params: null,
        created_at: createdAt,
        expires_at: null,
      });
    }
    await writing;
    onProgress(first);
    writing = db.insertInto("api_keys").values(rows).execute();
  }
  await writing;
  onProgress(plan.total);
  return { secrets, users: userCount, seconds: (performance.now() - started) / 1000 };
}
