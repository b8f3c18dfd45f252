import {
  type AccountPolicy,
  hashPassword,
  MIN_PASSWORD_LENGTH,
  type Store,
  type UserRecord,
} from "@latchkey/core";
import { audit } from "../audit/audit.js";
import type { Origin, Principal } from "../auth/principal.js";
import { fail, ok, type Result } from "../http/result.js";
import { policyView } from "./accountViews.js";

const policyFields = [
  "maxKeyLifetimeDays",
  "expiryReminderDays",
  "revokeUnusedAfterDays",
] as const satisfies readonly (keyof AccountPolicy)[];

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

/** Accounts: sign-up and the account's lifecycle policy. */
export class AccountService {
  constructor(private readonly store: Store) {}

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

  /** Changes the fields given of the account's lifecycle policy; the others stay. */
  async updatePolicy(
    caller: Principal,
    changes: Partial<AccountPolicy>,
    origin: Origin,
  ): Promise<Result<AccountPolicy>> {
    const current = (await this.store.findUserById(caller.user.id)) ?? caller.user;
    const policy: AccountPolicy = { ...current.policy };
    for (const field of policyFields) {
      const value = changes[field];
      if (value !== undefined) policy[field] = value;
    }
    const user = await this.store.setPolicy(caller.user.id, policy);
    if (!user) return fail("not_found", "The account no longer exists.");
    await audit(this.store, caller, origin, "account.policy", policyView(policy));
    return ok(user.policy);
  }
}
