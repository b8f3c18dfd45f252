import type { Kysely } from "kysely";
import type { Capabilities } from "../dialect.js";

/**
 * Teams (docs/teams.md). A team is an account of its own: a users row of kind `team`, which
 * nobody logs in to, beside a `teams` row with its name. Its members are people, each with
 * one role; a role is a name and a permission tree. A team credential is an api_keys row of
 * the team's account whose `member_id` is the person it belongs to. `access_version` changes
 * when what a credential may do changes without its row otherwise changing (its member's role
 * was edited or changed), so that PostgreSQL's change trigger announces it to every node as it
 * announces a delete.
 */
export function teams(caps: Capabilities) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable("users")
        .addColumn("kind", "text", (c) => c.notNull().defaultTo("person"))
        .execute();
      await db.schema.alterTable("api_keys").addColumn("member_id", "integer").execute();
      await db.schema
        .alterTable("api_keys")
        .addColumn("access_version", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex("api_keys_member")
        .on("api_keys")
        .columns(["user_id", "member_id"])
        .execute();

      await db.schema
        .createTable("teams")
        .addColumn("id", "integer", (c) => c.primaryKey().references("users.id"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("deleted_at", "text")
        .execute();

      await db.schema
        .createTable("team_roles")
        .addColumn("id", "integer", caps.primaryKey)
        .addColumn("team_id", "integer", (c) => c.notNull().references("users.id"))
        .addColumn("name", "text", (c) => c.notNull())
        // owner, manager, member, or null for a role the team made.
        .addColumn("builtin", "text")
        // JSON permission tree; null is full access (the owner's role only).
        .addColumn("permissions", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      // Names are unique in a team whatever their case (the service compares them so too).
      await db.schema
        .createIndex("team_roles_name")
        .on("team_roles")
        .columns(["team_id", "name"])
        .unique()
        .execute();

      await db.schema
        .createTable("team_members")
        .addColumn("team_id", "integer", (c) => c.notNull().references("users.id"))
        .addColumn("user_id", "integer", (c) => c.notNull().references("users.id"))
        .addColumn("role_id", "integer", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("team_members_pk", ["team_id", "user_id"])
        .execute();
      await db.schema
        .createIndex("team_members_user")
        .on("team_members")
        .column("user_id")
        .execute();

      await db.schema
        .createTable("team_invitations")
        .addColumn("id", "integer", caps.primaryKey)
        .addColumn("team_id", "integer", (c) => c.notNull().references("users.id"))
        .addColumn("email", "text", (c) => c.notNull())
        .addColumn("role_id", "integer", (c) => c.notNull())
        // HMAC of the token under the current pepper; the token itself is never stored.
        .addColumn("token_hash", "text", (c) => c.notNull().unique())
        .addColumn("invited_by", "integer", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("expires_at", "text", (c) => c.notNull())
        .addColumn("accepted_at", "text")
        .addColumn("revoked_at", "text")
        .execute();
      await db.schema
        .createIndex("team_invitations_team")
        .on("team_invitations")
        .columns(["team_id", "created_at"])
        .execute();
      await db.schema
        .createIndex("team_invitations_email")
        .on("team_invitations")
        .column("email")
        .execute();
    },
  };
}
