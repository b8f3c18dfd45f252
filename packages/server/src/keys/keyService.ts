import {
  beyond,
  findIllFormedText,
  formatInstant,
  illFormedTextMessage,
  instantMs,
  type KeyParams,
  type KeyRecord,
  MAX_GRACE_SECONDS,
  MAX_IP_ALLOW_LIST_ENTRIES,
  MAX_KEY_NAME_LENGTH,
  type PepperRing,
  type Permissions,
  parseInstant,
  parsePermissions,
  permissionsWithin,
  type RevocationBus,
  type RouteCatalogue,
  type Store,
} from "@latchkey/core";
import type { AccountLimits } from "../accounts/accountLimits.js";
import { audit, publish } from "../audit/audit.js";
import { IpAllowList } from "../auth/ipAllowList.js";
import type { Origin, Principal } from "../auth/principal.js";
import { fail, ok, type Result } from "../http/result.js";
import { limitByCreator, resettableBy } from "./creatorLimits.js";
import { issueSecret } from "./issuer.js";

export interface CreateKeyInput {
  name: string;
  /** A permission tree to validate; absent or null: full access (within the caller's). */
  permissions?: unknown;
  /** Key parameters to validate: an object, or the JSON text Vast's CLI sends. */
  keyParams?: unknown;
  expiresAt?: string | null;
  /**
   * A team key: the id of a team the calling person belongs to (from a personal credential),
   * or of the team a team credential already acts on.
   */
  teamId?: number | undefined;
}

export interface KeyWithSecret {
  record: KeyRecord;
  secret: string;
}

/** Parses `key_params`: an object, or the JSON string Vast's CLI sends. */
export function parseKeyParams(input: unknown): Result<KeyParams | null> {
  if (input === undefined || input === null || input === "") return ok(null);
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch {
      return fail(
        "invalid_request",
        'key_params: not valid JSON; send an object such as {"ip_whitelist": ["1.2.3.4"]}',
      );
    }
    // The body was checked for strings that are not text; the JSON inside this one was not.
    const found = findIllFormedText(value);
    if (found) return fail("invalid_request", illFormedTextMessage(found, ["key_params"]));
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail(
      "invalid_request",
      'key_params: must be an object such as {"ip_whitelist": ["1.2.3.4"]}',
    );
  }
  const params: KeyParams = {};
  for (const [field, v] of Object.entries(value)) {
    if (field !== "ip_whitelist") {
      return fail(
        "invalid_request",
        `key_params.${field}: unknown parameter; supported: ip_whitelist`,
      );
    }
    if (!Array.isArray(v) || !v.every((e) => typeof e === "string")) {
      return fail(
        "invalid_request",
        "key_params.ip_whitelist: must be a list of IP addresses or CIDR ranges",
      );
    }
    if (v.length > MAX_IP_ALLOW_LIST_ENTRIES) {
      return fail(
        "invalid_request",
        `key_params.ip_whitelist: at most ${MAX_IP_ALLOW_LIST_ENTRIES} entries`,
      );
    }
    const parsed = IpAllowList.parse(v as string[]);
    if (!(parsed instanceof IpAllowList))
      return fail("invalid_request", `key_params.ip_whitelist: ${parsed.error}`);
    params.ip_whitelist = v as string[];
  }
  return ok(params);
}

function parseName(name: string): Result<string> {
  const trimmed = name.trim();
  if (trimmed.length === 0) return fail("invalid_request", "name: must not be empty");
  if (trimmed.length > MAX_KEY_NAME_LENGTH) {
    return fail(
      "invalid_request",
      `name: at most ${MAX_KEY_NAME_LENGTH} characters (got ${trimmed.length})`,
    );
  }
  return ok(trimmed);
}

/** A requested expiry, strictly read (see docs/api.md, "Dates"), in its stored form. */
function parseExpiry(input: unknown, now: Date): Result<string | null> {
  if (input === undefined || input === null) return ok(null);
  const at = parseInstant(input, "expires_at");
  if (!at.ok) return fail("invalid_request", at.msg);
  if (at.ms <= now.getTime()) return fail("invalid_request", "expires_at: must be in the future");
  return ok(formatInstant(at.ms));
}

/** Applies the account's maximum lifetime: a default expiry, and a cap on a requested one. */
function applyMaxLifetime(
  requested: string | null,
  maxDays: number | null,
  now: Date,
): Result<string | null> {
  if (maxDays === null) return ok(requested);
  const limitMs = now.getTime() + maxDays * 86_400_000;
  const limit = formatInstant(limitMs);
  if (requested === null) return ok(limit);
  // Compared as instants: text order holds only for the stored form, and numbers need no proof.
  if (instantMs(requested) > limitMs) {
    return fail(
      "invalid_request",
      `expires_at: beyond this account's maximum key lifetime of ${maxDays} days (at most ${limit})`,
    );
  }
  return ok(requested);
}

/** A team key's tree beyond its member's role: 403 naming what is beyond it. */
function beyondRole(
  tree: Permissions,
  role: Permissions,
  roleName: string,
): Result<never> | undefined {
  const over = beyond(tree, role);
  if (over === undefined) return undefined;
  return fail(
    "permission_escalation",
    `A team key lies within its member's role: this one would grant ${over.what}, beyond role '${roleName}'.`,
    {
      beyond: {
        ...(over.category ? { category: over.category } : {}),
        ...(over.route ? { route: over.route } : {}),
      },
    },
  );
}

/** The key lifecycle: create, delete and reset, each committed with its audit row and event. */
export class KeyService {
  constructor(
    private readonly store: Store,
    private readonly peppers: PepperRing,
    private readonly catalogue: RouteCatalogue,
    private readonly revocations: Pick<RevocationBus, "revoked">,
    private readonly keyPrefix: string,
    private readonly limits: AccountLimits,
  ) {}

  async create(
    caller: Principal,
    input: CreateKeyInput,
    origin: Origin,
  ): Promise<Result<KeyWithSecret>> {
    const name = parseName(input.name);
    if (!name.ok) return name;
    let permissions: Permissions = null;
    if (input.permissions !== undefined && input.permissions !== null) {
      const parsed = parsePermissions(input.permissions, this.catalogue);
      if (!parsed.ok) return fail("invalid_permissions", parsed.msg, { path: parsed.path });
      permissions = parsed.tree;
    }
    if (!permissionsWithin(permissions, caller.permissions)) {
      return fail(
        "permission_escalation",
        permissions === null
          ? "A scoped key cannot create a full-access key; pass a permission tree within the calling key's own."
          : "The requested permissions go beyond the calling key's own; narrow them to what this key has.",
      );
    }
    const team = this.teamOfNewKey(caller, input.teamId);
    if (!team.ok) return team;
    const accountId = team.value?.teamId ?? caller.user.id;
    const memberId = team.value?.memberId ?? null;
    if (team.value) {
      // A team key lies within its member's role too (docs/teams.md, "No escalation").
      const member = await this.store.findMember(team.value.teamId, team.value.memberId);
      if (!member)
        return fail("not_found", `Team ${team.value.teamId} not found among your teams.`);
      const refused = beyondRole(permissions, member.rolePermissions, member.roleName);
      if (refused) return refused;
    }
    const params = parseKeyParams(input.keyParams);
    if (!params.ok) return params;
    const requested = parseExpiry(input.expiresAt, origin.at);
    if (!requested.ok) return requested;
    // The policy is read fresh: the caller's cached account may predate a policy change.
    const owner = (await this.store.findUserById(accountId)) ?? caller.user;
    const expiresAt = applyMaxLifetime(requested.value, owner.policy.maxKeyLifetimeDays, origin.at);
    if (!expiresAt.ok) return expiresAt;
    // A key made by a key is never less restricted than it (allow-list, expiry).
    const limits = limitByCreator(
      caller.key,
      { keyParams: params.value, expiresAt: expiresAt.value },
      input.expiresAt !== undefined && input.expiresAt !== null,
    );
    if (!limits.ok) return limits;
    const { keyParams, expiresAt: expiry } = limits.value;

    const issued = issueSecret(this.peppers, this.keyPrefix);
    const record = await this.limits.create(accountId, "api", origin.at, async (tx) => {
      if (memberId !== null) {
        // Under the team's lock, as role changes and removals are: the member is still one,
        // with a role the key fits, when the key commits.
        await tx.lockAccount(accountId);
        const member = await tx.findMember(accountId, memberId);
        if (!member)
          return fail<KeyRecord>("not_found", `Team ${accountId} not found among your teams.`);
        const refused = beyondRole(permissions, member.rolePermissions, member.roleName);
        if (refused) return refused;
      }
      const created = await tx.insertKey({
        userId: accountId,
        memberId,
        kind: "api",
        name: name.value,
        ...issued.stored,
        permissions,
        keyParams,
        createdAt: origin.at.toISOString(),
        expiresAt: expiry,
      });
      const actor =
        memberId === null
          ? caller
          : { user: { ...caller.user, id: accountId }, key: { ...caller.key, memberId } };
      await audit(tx, actor, origin, "api_key.create", {
        id: created.id,
        name: created.name,
        permissions,
        key_params: keyParams,
        expires_at: expiry,
      });
      await publish(tx, "key.created", created, origin.at);
      return ok(created);
    });
    if (!record.ok) return record;
    if (!record.value.ok) return record.value;
    return ok({ record: record.value.value, secret: issued.secret });
  }

  /** Which team a new key is for, if any: undefined for a personal key. */
  private teamOfNewKey(
    caller: Principal,
    teamId: number | undefined,
  ): Result<{ teamId: number; memberId: number } | undefined> {
    const own = caller.key.memberId;
    if (own !== null && own !== undefined) {
      // A team credential makes keys of its own team, for its own member.
      if (teamId !== undefined && teamId !== caller.user.id) {
        return fail(
          "invalid_request",
          "team_id: a team key makes keys of its own team only; create keys of another team from your personal key or session.",
        );
      }
      return ok({ teamId: caller.user.id, memberId: own });
    }
    if (teamId === undefined) return ok(undefined);
    return ok({ teamId, memberId: caller.user.id });
  }

  /** Whether `record` is the caller's to manage: in a team, a member manages their own keys. */
  static owns(caller: Principal, record: KeyRecord): boolean {
    return (caller.key.memberId ?? null) === (record.memberId ?? null);
  }

  async delete(caller: Principal, id: number, origin: Origin): Promise<Result<KeyRecord>> {
    const target = await this.store.findKey(caller.user.id, id, "api");
    if (!target || !KeyService.owns(caller, target)) {
      return fail("not_found", `API key ${id} not found in this account.`);
    }
    const deleted = await this.store.transaction(async (tx) => {
      const row = await tx.deleteKey(caller.user.id, id, "api", origin.at.toISOString());
      if (row) {
        await audit(tx, caller, origin, "api_key.delete", { id, name: row.name });
        await publish(tx, "key.deleted", row, origin.at);
      }
      return row;
    });
    if (!deleted) return fail("not_found", `API key ${id} not found in this account.`);
    // Every node's cache drops the key after the commit and before the answer: the next
    // request anywhere is refused.
    await this.revocations.revoked([id]);
    return ok(deleted);
  }

  /**
   * Gives key `id` a new secret. Without `graceSeconds` the old secret is refused everywhere
   * before this returns; with it, the old secret keeps working until the grace window ends.
   * `answer` makes the caller's answer inside the transaction: the new secret is useless
   * unless it reaches the caller, so if the answer cannot be made nothing is committed and
   * both secrets stay as they were.
   */
  async reset<T>(
    caller: Principal,
    id: number,
    origin: Origin,
    graceSeconds: number,
    answer: (reset: KeyWithSecret) => T,
  ): Promise<Result<T>> {
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) {
      return fail(
        "invalid_request",
        `grace_seconds: a whole number from 0 to ${MAX_GRACE_SECONDS} (7 days)`,
      );
    }
    const target = await this.store.findKey(caller.user.id, id, "api");
    if (!target || !KeyService.owns(caller, target)) {
      return fail("not_found", `API key ${id} not found in this account.`);
    }
    // Resetting hands over a working secret of the target key, so the caller must hold at
    // least the target's rights; otherwise reset would be a way around the no-escalation rule.
    if (target.id !== caller.key.id && !permissionsWithin(target.permissions, caller.permissions)) {
      return fail(
        "permission_escalation",
        "This key has rights the calling key lacks, so the calling key may not reset it.",
      );
    }
    const limits = resettableBy(caller.key, target);
    if (!limits.ok) return limits;
    const issued = issueSecret(this.peppers, this.keyPrefix);
    const graceUntil =
      graceSeconds > 0 ? formatInstant(origin.at.getTime() + graceSeconds * 1000) : null;
    const answered = await this.store.transaction(async (tx) => {
      const row = await tx.replaceSecret(caller.user.id, id, issued.stored, graceUntil);
      if (row) {
        await audit(tx, caller, origin, "api_key.reset", {
          id,
          name: row.name,
          grace_until: graceUntil,
        });
        await publish(tx, "key.reset", row, origin.at, { grace_until: graceUntil });
      }
      // Last, so that an answer that cannot be made rolls all of the above back.
      return row && { value: answer({ record: row, secret: issued.secret }) };
    });
    if (!answered) return fail("not_found", `API key ${id} not found in this account.`);
    // Even with a grace window every node drops its cached entries: the old secret's entry
    // must learn its deadline, and the new secret is looked up afresh.
    await this.revocations.revoked([id]);
    return ok(answered.value);
  }

  /** Ends a grace window early: the previous secret is refused everywhere before this returns. */
  async endGrace(caller: Principal, id: number, origin: Origin): Promise<Result<KeyRecord>> {
    const target = await this.store.findKey(caller.user.id, id, "api");
    if (!target || !KeyService.owns(caller, target)) {
      return fail("not_found", `API key ${id} not found in this account.`);
    }
    const record = await this.store.transaction(async (tx) => {
      const row = await tx.endGrace(caller.user.id, id);
      if (row) await audit(tx, caller, origin, "api_key.end_grace", { id, name: row.name });
      return row;
    });
    if (!record) return fail("not_found", `API key ${id} not found in this account.`);
    await this.revocations.revoked([id]);
    return ok(record);
  }
}
