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

  async revoked(keyIds: readonly number[]): Promise<void> {
    this.listener.invalidate(keyIds);
  }

  state(): "local" {
    return "local";
  }

  async close(): Promise<void> {}
}
