import { instantMs, type KeyParams, type KeyRecord } from "@latchkey/core";
import { storedIpAllowList } from "../auth/authenticator.js";
import { firstOutside } from "../auth/ipRanges.js";
import { fail, ok, type Result } from "../http/result.js";

/** The limits of a key besides its permission tree: where it may be used from, and until when. */
export interface KeyLimits {
  keyParams: KeyParams | null;
  /** A stored instant (`formatInstant`), or null for no expiry. */
  expiresAt: string | null;
}

/** An IP allow-list as stored: null when the key may be used from anywhere. */
function allowListOf(key: KeyRecord): readonly string[] | null {
  return storedIpAllowList(key)?.entries ?? null;
}

/**
 * Why the allow-list `own` admits an address the caller's list does not: `"anywhere"` when
 * `own` admits every address, else the first entry outside. Undefined when within.
 */
function escapes(own: readonly string[] | null, caller: readonly string[] | null) {
  if (caller === null) return undefined;
  if (own === null || own.length === 0) return "anywhere";
  const outside = firstOutside(own, caller);
  return outside === undefined ? undefined : { outside };
}

/** Whether `at` (null: never) comes after `deadline` (null: never); both stored instants. */
function laterThan(at: string | null, deadline: string | null): boolean {
  if (deadline === null) return false;
  return at === null || instantMs(at) > instantMs(deadline);
}

/**
 * A key created by an API key is never less restricted than its creator: its IP allow-list
 * lies within the creator's (the creator's when none is asked for), and it expires no later
 * (with the creator when no expiry is asked for). `limits` are the new key's as validated,
 * `expiryAsked` whether `expires_at` was given (else `limits.expiresAt` is a default). Keys
 * created by a console session (the account owner's login) keep what was asked.
 */
export function limitByCreator(
  creator: KeyRecord,
  limits: KeyLimits,
  expiryAsked: boolean,
): Result<KeyLimits> {
  if (creator.kind !== "api") return ok(limits);
  const theirs = allowListOf(creator);
  let keyParams = limits.keyParams;
  if (theirs !== null) {
    const asked = keyParams?.ip_whitelist;
    if (asked === undefined) {
      keyParams = { ...keyParams, ip_whitelist: [...theirs] };
    } else {
      const wider = escapes(asked, theirs);
      if (wider !== undefined) {
        const problem =
          wider === "anywhere"
            ? "an empty list allows every address, but the calling key has an IP allow-list"
            : `'${wider.outside}' is outside the calling key's own IP allow-list`;
        return fail(
          "permission_escalation",
          `key_params.ip_whitelist: ${problem}; a key cannot be used from more places than the key that creates it (leave ip_whitelist out to inherit the calling key's list).`,
        );
      }
    }
  }
  let expiresAt = limits.expiresAt;
  if (laterThan(expiresAt, creator.expiresAt)) {
    if (expiryAsked) {
      return fail(
        "permission_escalation",
        `expires_at: after the calling key's own expiry (${creator.expiresAt}); a key cannot outlive the key that creates it (leave expires_at out to inherit it).`,
      );
    }
    expiresAt = creator.expiresAt;
  }
  return ok({ keyParams, expiresAt });
}

/**
 * May `caller` reset `target`? Reset hands over a working secret of the target, so a key may
 * reset another only if the target is no less restricted than itself: an allow-list within the
 * caller's, an expiry no later. (The permission tree is checked beside this.)
 */
export function resettableBy(caller: KeyRecord, target: KeyRecord): Result<null> {
  if (caller.kind !== "api" || caller.id === target.id) return ok(null);
  const wider = escapes(allowListOf(target), allowListOf(caller));
  if (wider !== undefined) {
    const problem =
      wider === "anywhere"
        ? "This key may be used from any address"
        : `This key's allow-list entry '${wider.outside}' is outside the calling key's`;
    return fail(
      "permission_escalation",
      `${problem}, so the calling key may not reset it: the new secret would work from where the calling key does not.`,
    );
  }
  if (laterThan(target.expiresAt, caller.expiresAt)) {
    return fail(
      "permission_escalation",
      target.expiresAt === null
        ? "This key never expires and the calling key does, so the calling key may not reset it."
        : "This key expires after the calling key, so the calling key may not reset it.",
    );
  }
  return ok(null);
}
