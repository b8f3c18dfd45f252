import {
  type KeyRecord,
  MAX_KEY_NAME_LENGTH,
  type PepperRing,
  type RevocationBus,
  type Store,
  type VerifierConnection,
} from "@latchkey/core";
import { audit } from "../audit/audit.js";
import type { Origin, Principal } from "../auth/principal.js";
import { fail, ok, type Result } from "../http/result.js";
import { issueSecret } from "../keys/issuer.js";
import type { VerifierHub } from "./verifierHub.js";

/** Verifier tokens carry the key prefix followed by this letter (`lk` → `lkv_…`). */
export const VERIFIER_PREFIX_SUFFIX = "v";

/** Live verifiers an account may hold: each one is a stream every revocation waits for. */
export const MAX_VERIFIERS = 100;

export interface NewVerifier {
  record: KeyRecord;
  token: string;
}

/** A verifier with its streams, as the list shows it. */
export interface VerifierListing {
  record: KeyRecord;
  connections: (VerifierConnection & { live: boolean })[];
}

/**
 * Verifiers: credentials of kind `verifier`, stored like API keys (a peppered hash, the key
 * format with its checksum, a prefix of their own), that can open the revocation stream and
 * verify keys, and nothing else. Deleting one is a revocation like any other: every node
 * forgets it and ends its streams before the answer.
 */
export class VerifierService {
  constructor(
    private readonly store: Store,
    private readonly peppers: PepperRing,
    private readonly revocations: Pick<RevocationBus, "revoked">,
    private readonly keyPrefix: string,
    readonly hub: VerifierHub,
    private readonly now: () => Date,
  ) {}

  async create(caller: Principal, name: string, origin: Origin): Promise<Result<NewVerifier>> {
    const trimmed = name.trim();
    if (trimmed.length === 0) return fail("invalid_request", "name: must not be empty");
    if (trimmed.length > MAX_KEY_NAME_LENGTH) {
      return fail(
        "invalid_request",
        `name: at most ${MAX_KEY_NAME_LENGTH} characters (got ${trimmed.length})`,
      );
    }
    const issued = issueSecret(this.peppers, this.keyPrefix + VERIFIER_PREFIX_SUFFIX);
    const record = await this.store.transaction(async (tx) => {
      await tx.lockAccount(caller.user.id);
      const live = await tx.countLiveKeys(caller.user.id, "verifier", origin.at.toISOString());
      if (live >= MAX_VERIFIERS) return undefined;
      const created = await tx.insertKey({
        userId: caller.user.id,
        kind: "verifier",
        name: trimmed,
        ...issued.stored,
        // Grants nothing: a verifier's token is refused on every route but its own anyway.
        permissions: { api: {} },
        keyParams: null,
        createdAt: origin.at.toISOString(),
        expiresAt: null,
      });
      await audit(tx, caller, origin, "verifier.create", { id: created.id, name: created.name });
      return created;
    });
    if (!record) {
      return fail(
        "invalid_request",
        `This account already has ${MAX_VERIFIERS} verifiers; delete one (DELETE /api/v0/verifiers/{id}/) first.`,
      );
    }
    return ok({ record, token: issued.secret });
  }

  async list(caller: Principal): Promise<VerifierListing[]> {
    const records = await this.store.listKeys(caller.user.id, "verifier");
    const connections = await this.store.listVerifierConnections(records.map((r) => r.id));
    // A row its node has not refreshed for a few reports belongs to a node that is gone.
    const freshAfter = this.now().getTime() - 3 * this.hub.reportEveryMs;
    return records.map((record) => ({
      record,
      connections: connections
        .filter((c) => c.verifierId === record.id)
        .map((c) => ({ ...c, live: Date.parse(c.seenAt) >= freshAfter })),
    }));
  }

  async delete(caller: Principal, id: number, origin: Origin): Promise<Result<KeyRecord>> {
    const deleted = await this.store.transaction(async (tx) => {
      const row = await tx.deleteKey(caller.user.id, id, "verifier", origin.at.toISOString());
      if (row) await audit(tx, caller, origin, "verifier.delete", { id, name: row.name });
      return row;
    });
    if (!deleted) return fail("not_found", `Verifier ${id} not found in this account.`);
    // Every node forgets the token and ends its streams before the answer.
    await this.revocations.revoked([id]);
    return ok(deleted);
  }
}
