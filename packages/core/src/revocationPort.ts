/**
 * The revocation port: how revocations reach every node's key cache. The server's services
 * depend on this interface; @latchkey/store implements it (locally for SQLite, over
 * LISTEN/NOTIFY for PostgreSQL).
 */

/** What a node's key cache must do when told about revocations. */
export interface RevocationListener {
  /** Forget these keys, whatever their current secrets. */
  invalidate(keyIds: readonly number[]): void;
  /** Forget everything: this node may have missed revocations. */
  clear(): void;
  /**
   * Keys were inserted (by any node, or by hand): forget every secret found unknown so far.
   * Only a bus with other nodes calls it; a single node inserts every key itself, each with a
   * secret made at that moment, which no look-up can have asked for before.
   */
  keysAdded?(): void;
  /** Told when the node stops trusting its cache, and why (for the metrics). */
  leaseLost?(reason: LeaseLossReason): void;
  /**
   * Resolves once everything this node invalidated so far has reached those that depend on
   * it (the verifiers connected to it, docs/revocation.md) or they lost their lease; the value
   * is how many ms longer a revoker must wait before those leases have certainly run out (0
   * when every one acknowledged). A bus waits for it before it acknowledges or answers.
   */
  settle?(): Promise<number>;
}

/** Evicted by another node, notification connection lost, or heartbeats too late. */
export type LeaseLossReason = "evicted" | "channel_lost" | "lapsed";

/**
 * How revocations reach every node's cache. SQLite mode has one node and invalidates locally;
 * PostgreSQL mode announces them to all nodes and waits for their acknowledgements.
 */
export interface RevocationBus {
  /** Connects the node's cache; notifications arriving before this have nothing to drop. */
  attach(listener: RevocationListener): void;
  /** Whether the node may answer from its cache right now; when false it reads the database. */
  cacheTrusted(): boolean;
  /**
   * For how many more ms the node's trust certainly holds (0 when not trusted; Infinity on a
   * single node): what the node may hand on to its verifiers as their lease, at most.
   */
  trustRemainingMs(): number;
  /**
   * Call after committing a revocation (delete, reset, session end) of these keys. Resolves
   * once no live node, and no verifier connected to one, can still accept the old secrets
   * from its cache.
   */
  revoked(keyIds: readonly number[]): Promise<void>;
  /** This node's id on the notification channel (the `nodes` table); absent on one node. */
  readonly nodeId?: string;
  /** "local", or "trusted"/"untrusted" for a node on the notification channel. */
  state(): "local" | "trusted" | "untrusted";
  close(): Promise<void>;
}
