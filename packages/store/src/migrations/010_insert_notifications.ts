import type { Kysely } from "kysely";
import type { Capabilities } from "../dialect.js";

/**
 * Inserted keys are announced to every node, as changed and removed ones are (002): a node
 * may hold a secret it found no row for as unknown only until a row could have appeared.
 */
export function insertNotifications(caps: Capabilities) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await caps.installInsertNotifications(db);
    },
  };
}
