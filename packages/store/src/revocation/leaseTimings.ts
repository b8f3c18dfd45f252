/** The clocks of the revocation protocol, all derived from one setting, the lease. */
export interface LeaseTimings {
  /** A node trusts its cache for this long after sending a heartbeat that succeeded. */
  leaseMs: number;
  /** Heartbeats renew the lease several times per lease, so one slow beat costs nothing. */
  heartbeatMs: number;
  /** How long a revoking node waits for acknowledgements before evicting the silent nodes. */
  ackTimeoutMs: number;
  /** Added to every wait that relies on another machine's clock running at the same rate. */
  marginMs: number;
}

export function leaseTimings(leaseMs: number): LeaseTimings {
  return {
    leaseMs,
    heartbeatMs: Math.max(25, Math.floor(leaseMs / 4)),
    ackTimeoutMs: Math.max(50, Math.floor(leaseMs / 2)),
    marginMs: Math.ceil(leaseMs / 10) + 10,
  };
}

/** The longest a revocation can take when a node fails to acknowledge it. */
export function worstCaseRevocationMs(t: LeaseTimings): number {
  return t.ackTimeoutMs + t.leaseMs + t.marginMs;
}
