import type { KeyRecord } from "@latchkey/core";
import type { UsageRecorder } from "../auth/usageRecorder.js";
import type { VerifierView } from "./verifierSchemas.js";
import type { VerifierListing } from "./verifierService.js";

export function verifierFields(record: KeyRecord) {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    last4: record.last4,
    created_at: record.createdAt,
  };
}

export function verifierView(listing: VerifierListing, usage: UsageRecorder): VerifierView {
  const connections = listing.connections.map((c) => ({
    node: c.nodeId,
    connected_at: c.connectedAt,
    seen_at: c.seenAt,
    live: c.live,
    ack_lag_ms: c.ackLagMs,
  }));
  const live = connections.filter((c) => c.live);
  const first = live[0];
  const lags = live.flatMap((c) => (c.ack_lag_ms === null ? [] : [c.ack_lag_ms]));
  return {
    ...verifierFields(listing.record),
    last_used_at: usage.lastUse(listing.record).at,
    connected: first !== undefined,
    node: first?.node ?? null,
    connected_since: first?.connected_at ?? null,
    ack_lag_ms: lags.length === 0 ? null : Math.max(...lags),
    connections,
  };
}
