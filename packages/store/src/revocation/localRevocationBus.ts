import { setTimeout as sleep } from "node:timers/promises";
import type { RevocationBus, RevocationListener } from "@latchkey/core";
import { noListener } from "./revocationBus.js";

/** One node (SQLite mode): a revocation only has to reach this process's own cache. */
export class LocalRevocationBus implements RevocationBus {
  private listener: RevocationListener = noListener;

  attach(listener: RevocationListener): void {
    this.listener = listener;
  }

  cacheTrusted(): boolean {
    return true;
  }

  trustRemainingMs(): number {
    return Number.POSITIVE_INFINITY;
  }

  async revoked(keyIds: readonly number[]): Promise<void> {
    this.listener.invalidate(keyIds);
    // The verifiers connected to this process acknowledge, or their leases run out.
    const waitMs = (await this.listener.settle?.()) ?? 0;
    if (waitMs > 0) await sleep(waitMs);
  }

  state(): "local" {
    return "local";
  }

  async close(): Promise<void> {}
}
