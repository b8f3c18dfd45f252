import {
  dummyPasswordHash,
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

  async endSession(caller: Principal, id: number, origin: Origin): Promise<Result<KeyRecord>> {
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
    const ended = await this.store.deleteOtherSessions(
      caller.user.id,
      caller.key.id,
      origin.at.toISOString(),
    );
    if (ended.length > 0) await this.revocations.revoked(ended);
    await audit(this.store, caller, origin, "session.end_others", { ids: ended });
    return ended.length;
  }
}
