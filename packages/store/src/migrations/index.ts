import type { Migration, MigrationProvider } from "kysely";
import type { Capabilities } from "../dialect.js";
import { initial } from "./001_initial.js";

/** Migrations live in code, in order; a new one is a new file and a new line here. */
export function migrationProvider(caps: Capabilities): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return { "001_initial": initial(caps) };
    },
  };
}
