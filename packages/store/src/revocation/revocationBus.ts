import type { RevocationListener } from "@latchkey/core";

// The port is core's; re-exported so that code built against the store's exports keeps working.
export type { LeaseLossReason, RevocationBus, RevocationListener } from "@latchkey/core";

export type BusLog = (
  level: "info" | "warn" | "error",
  msg: string,
  fields?: Record<string, unknown>,
) => void;

export const noListener: RevocationListener = { invalidate: () => {}, clear: () => {} };
