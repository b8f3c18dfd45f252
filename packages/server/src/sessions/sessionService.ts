import {
  dummyPasswordHash,
  isWellFormedKey,
  type KeyRecord,
  type PepperRing,
  type RevocationBus,
  type Store,
  sessionPrefixOf,
  type UserRecord,
  verifyPassword,
} from "@latchkey/core";
import type { AccountLimits } from "../accounts/accountLimits.js";
import { normaliseEmail } from "../accounts/accountService.js";
import { audit } from "../audit/audit.js";
import type { Origin, Principal } from "../auth/principal.js";
import { fail, ok, type Result } from "../http/result.js";
import { issueSecret } from "../keys/issuer.js";
import { auditAs } from "../teams/teamEvents.js";

export const SESSION_DAYS = 7;

export interface Session {
  record: KeyRecord;
  secret: string;
}

/** Console sessions: log in with a password, end one session or all the others. */
export class SessionService {
  constructor(
    private readonly store: Store,
    private readonly peppers: PepperRing,
    private readonly revocations: Pick<RevocationBus, "revoked">,
    private readonly keyPrefix: string,
    private readonly limits: AccountLimits,
  ) {}

  /** The same answer, after the same work, whether the email is unknown or the password wrong. */
  async logIn(
    input: { email: string; password: string; device: string },
    origin: Origin,
  ): Promise<Result<Session>> {
    const email = normaliseEmail(input.email);
    const user = email.ok ? await this.store.findUserByEmail(email.value) : undefined;
    const matches = await verifyPassword(
      input.password,
      user?.passwordHash ?? (await dummyPasswordHash()),
    );
    if (!user || !matches) return fail("invalid_login");
    return await this.open(user, input.device, origin);
  }

  /**
   * Opens a session for a person whose password has been checked: the second half of
   * `logIn`. (The testkit opens its test accounts' sessions here, to spend scrypt once per
   * test process instead of once per account.)
   */
  async open(user: UserRecord, device: string, origin: Origin): Promise<Result<Session>> {
    const issued = issueSecret(this.peppers, sessionPrefixOf(this.keyPrefix));
    const expires = new Date(origin.at.getTime() + SESSION_DAYS * 86_400_000);
    const record = await this.limits.create(user.id, "session", origin.at, async (tx) => {
      const session = await tx.insertKey({
        userId: user.id,
        kind: "session",
        name: device.slice(0, 255) || "unknown device",
        ...issued.stored,
        permissions: null,
        keyParams: null,
        createdAt: origin.at.toISOString(),
        expiresAt: expires.toISOString(),
      });
      await audit(tx, { user, key: session }, origin, "session.login", { id: session.id });
      return session;
    });
    if (!record.ok) return record;
    return ok({ record: record.value, secret: issued.secret });
  }

  /**
   * Opens a team session (docs/teams.md, "Team sessions"): a session of the team's account
   * that belongs to the calling person as a member, with the calling credential's own tree
   * (null for a session) cut to the member's current role on every request. It ends with the
   * membership, the team, logout, or the personal credential's expiry, whichever comes first.
   */
  async openTeamSession(
    caller: Principal,
    input: { teamId: number; device: string },
    origin: Origin,
  ): Promise<Result<Session>> {
    if (caller.user.kind !== "person" || (caller.key.memberId ?? null) !== null) {
      return fail(
        "invalid_request",
        "This credential already acts on a team; open a team session from your personal session or key.",
      );
    }
    const { teamId } = input;
    const notMember = fail<never>("not_found", `Team ${teamId} not found among your teams.`);
    if (!(await this.store.findMember(teamId, caller.user.id))) return notMember;
    const issued = issueSecret(this.peppers, sessionPrefixOf(this.keyPrefix));
    const week = origin.at.getTime() + SESSION_DAYS * 86_400_000;
    // Never outlives the credential that opened it.
    const parent = caller.key.expiresAt === null ? week : Date.parse(caller.key.expiresAt);
    const expires = new Date(Math.min(week, parent));
    const record = await this.limits.create(teamId, "session", origin.at, async (tx) => {
      // Under the team's lock, as removals are: the person is still a member when it commits.
      await tx.lockAccount(teamId);
      const member = await tx.findMember(teamId, caller.user.id);
      if (!member) return notMember;
      const session = await tx.insertKey({
        userId: teamId,
        memberId: caller.user.id,
        kind: "session",
        name: input.device.slice(0, 255) || "unknown device",
        ...issued.stored,
        permissions: caller.key.permissions,
        keyParams: caller.key.keyParams,
        createdAt: origin.at.toISOString(),
        expiresAt: expires.toISOString(),
      });
      await auditAs(tx, teamId, caller.user.id, session.id, origin, "session.team_login", {
        id: session.id,
        role: member.roleName,
      });
      return ok(session);
    });
    if (!record.ok) return record;
    if (!record.value.ok) return record.value;
    return ok({ record: record.value.value, secret: issued.secret });
  }

  /**
   * Ends the team session `secret` if it is `person`'s own (the console's team cookie, at
   * logout or when another team session replaces it); anything else is left alone.
   */
  async endTeamSessionOf(person: number, secret: string, origin: Origin): Promise<void> {
    const found = await this.findLiveSession(secret);
    if (!found || found.memberId !== person || found.userId === person) return;
    const ended = await this.store.transaction(async (tx) => {
      const row = await tx.deleteKey(found.userId, found.id, "session", origin.at.toISOString());
      if (row) {
        await auditAs(tx, found.userId, person, found.id, origin, "session.end", { id: found.id });
      }
      return row;
    });
    if (ended) await this.revocations.revoked([found.id]);
  }

  private async findLiveSession(secret: string): Promise<KeyRecord | undefined> {
    if (!isWellFormedKey(secret)) return undefined;
    for (const version of this.peppers.versions()) {
      const hash = this.peppers.hash(secret, version);
      const row = await this.store.findKeyByHash(hash);
      if (row?.keyHash !== hash || row.hashVersion !== version) continue;
      if (row.kind === "session" && row.deletedAt === null) return row;
    }
    return undefined;
  }

  async endSession(caller: Principal, id: number, origin: Origin): Promise<Result<KeyRecord>> {
    const member = caller.key.memberId ?? null;
    if (member !== null) {
      // In a team, a member ends only their own team sessions.
      const target = await this.store.findKey(caller.user.id, id, "session");
      if (!target || target.memberId !== member) {
        return fail("not_found", `Session ${id} not found in this account.`);
      }
    }
    const ended = await this.store.transaction(async (tx) => {
      const row = await tx.deleteKey(caller.user.id, id, "session", origin.at.toISOString());
      if (row) await audit(tx, caller, origin, "session.end", { id });
      return row;
    });
    if (!ended) return fail("not_found", `Session ${id} not found in this account.`);
    await this.revocations.revoked([id]);
    return ok(ended);
  }

  async endOtherSessions(caller: Principal, origin: Origin): Promise<number> {
    const member = caller.key.memberId ?? null;
    const ended =
      member === null
        ? await this.store.deleteOtherSessions(
            caller.user.id,
            caller.key.id,
            origin.at.toISOString(),
          )
        : await this.endOtherTeamSessions(caller, member, origin);
    if (ended.length > 0) await this.revocations.revoked(ended);
    await audit(this.store, caller, origin, "session.end_others", { ids: ended });
    return ended.length;
  }

  /** A member's other team sessions in this team; never another member's. */
  private async endOtherTeamSessions(caller: Principal, member: number, origin: Origin) {
    const mine = await this.store.listKeys(caller.user.id, "session", undefined, member);
    const at = origin.at.toISOString();
    return this.store.transaction(async (tx) => {
      const ended: number[] = [];
      for (const session of mine) {
        if (session.id === caller.key.id) continue;
        if (await tx.deleteKey(caller.user.id, session.id, "session", at)) ended.push(session.id);
      }
      return ended;
    });
  }
}
