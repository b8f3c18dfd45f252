import type { KeyRecord, UserRecord } from "@latchkey/core";
import type { CachedKey } from "./keyCache.js";

/** Who is calling: the verified credential and its account. */
export interface Principal {
  user: UserRecord;
  key: KeyRecord;
  /** What it may do: a team credential's own tree cut to its member's role. */
  permissions: CachedKey["permissions"];
  /** A team credential's member and role (the account is then the team's). */
  member?: CachedKey["member"];
  /** How the credential arrived; cookie writes get an Origin check. */
  via: "bearer" | "cookie";
  /**
   * The secret presented is the key's previous one, in a reset's grace window: it keeps the
   * key's permissions for using the API, but manages no credential (no user_write route).
   */
  superseded: boolean;
}

/** Where a use-case was called from, for the audit log. */
export interface Origin {
  ip: string;
  /** `METHOD /path/pattern`, e.g. `DELETE /api/v0/auth/apikeys/{id}/`. */
  route: string;
  at: Date;
}
