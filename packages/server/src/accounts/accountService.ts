import {
  dummyPasswordHash,
  hashPassword,
  type KeyRecord,
  MIN_PASSWORD_LENGTH,
  type PepperRing,
  type Store,
  sessionPrefixOf,
  type UserRecord,
  verifyPassword,
} from "@latchkey/core";
import type { RevocationBus } from "@latchkey/store";
import type { Origin, Principal } from "../auth/principal.js";
import { fail, ok, type Result } from "../http/result.js";
import { issueSecret } from "../keys/issuer.js";
import { audit } from "../keys/keyService.js";
import type { AccountLimits } from "./accountLimits.js";

export const SESSION_DAYS = 7;
const MAX_EMAIL_LENGTH = 254;

/** Trimmed and lower-cased; one account per mailbox however it is typed. */
export function normaliseEmail(email: string): Result<string> {
  const normal = email.trim().toLowerCase();
  // Deliberately simple: one @, a dot in the domain, no spaces. Deliverability is not checked.
  if (normal.length > MAX_EMAIL_LENGTH || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(normal)) {
    return fail("invalid_request", "email: not a valid email address");
  }
  return ok(normal);
}

function checkPassword(password: string): Result<string> {
  if (password.length < MIN_PASSWORD_LENGTH) {
    return fail("invalid_request", `password: at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  return ok(password);
}

export interface Session {
  record: KeyRecord;
  secret: string;
}

/** Accounts and console sessions. */
export class AccountService {
  constructor(
    private readonly store: Store,
    private readonly peppers: PepperRing,
    private readonly revocations: Pick<RevocationBus, "revoked">,
    private readonly keyPrefix: string,
    private readonly limits: AccountLimits,
  ) {}

  /**
   * Creates an account. `closed`: sign-up is closed and no administrator is asking, so only
   * the very first account of a deployment (which becomes its administrator) is let in.
   */
  async signUp(
    input: { email: string; password: string },
    at: Date,
    closed = false,
  ): Promise<Result<UserRecord>> {
    const email = normaliseEmail(input.email);
    if (!email.ok) return email;
    const password = checkPassword(input.password);
    if (!password.ok) return password;
    const user = await this.store.createUser(
      {
        email: email.value,
        passwordHash: await hashPassword(password.value),
        createdAt: at.toISOString(),
      },
      { onlyFirst: closed },
    );
    if (user === "email_taken" || user === "signup_closed") return fail(user);
    return ok(user);
  }

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
    const issued = issueSecret(this.peppers, sessionPrefixOf(this.keyPrefix));
    const expires = new Date(origin.at.getTime() + SESSION_DAYS * 86_400_000);
    const record = await this.limits.create(user.id, "session", origin.at, async (tx) => {
      const session = await tx.insertKey({
        userId: user.id,
        kind: "session",
        name: input.device.slice(0, 255) || "unknown device",
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
