import type { AccountKind, AccountPolicy, NewUser, UserRecord } from "@latchkey/core";
import type { Kysely, Selectable } from "kysely";
import type { Capabilities } from "../dialect.js";
import type { Database } from "../schema.js";
import { nullableNumber } from "./nullableNumber.js";

/** Accounts and their key lifecycle policy. */

export const toUser = (r: Selectable<Database["users"]>): UserRecord => ({
  id: Number(r.id),
  kind: r.kind as AccountKind,
  email: r.email,
  passwordHash: r.password_hash,
  isAdmin: Number(r.is_admin) === 1,
  createdAt: r.created_at,
  policy: {
    maxKeyLifetimeDays: nullableNumber(r.max_key_lifetime_days),
    expiryReminderDays: nullableNumber(r.expiry_reminder_days),
    revokeUnusedAfterDays: nullableNumber(r.revoke_unused_after_days),
  },
});

export async function createUser(
  db: Kysely<Database>,
  caps: Capabilities,
  user: NewUser,
  options: { onlyFirst: boolean },
) {
  try {
    return await db.transaction().execute(async (trx) => {
      await caps.serializeSignUps(trx);
      const existing = await trx.selectFrom("users").select("id").limit(1).executeTakeFirst();
      if (existing && options.onlyFirst) return "signup_closed" as const;
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
    if (caps.isUniqueViolation(err)) return "email_taken" as const;
    throw err;
  }
}

export async function findUserByEmail(db: Kysely<Database>, email: string) {
  const row = await db
    .selectFrom("users")
    .selectAll()
    .where("email", "=", email)
    .executeTakeFirst();
  return row && toUser(row);
}

export async function findUserById(db: Kysely<Database>, id: number) {
  const row = await db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toUser(row);
}

export async function setPolicy(db: Kysely<Database>, userId: number, policy: AccountPolicy) {
  const row = await db
    .updateTable("users")
    .set({
      max_key_lifetime_days: policy.maxKeyLifetimeDays,
      expiry_reminder_days: policy.expiryReminderDays,
      revoke_unused_after_days: policy.revokeUnusedAfterDays,
    })
    .where("id", "=", userId)
    .returningAll()
    .executeTakeFirst();
  return row && toUser(row);
}

export async function accountsRevokingUnused(db: Kysely<Database>) {
  const rows = await db
    .selectFrom("users")
    .select(["id", "revoke_unused_after_days"])
    .where("revoke_unused_after_days", "is not", null)
    .execute();
  return rows.map((r) => ({ userId: Number(r.id), days: Number(r.revoke_unused_after_days) }));
}
