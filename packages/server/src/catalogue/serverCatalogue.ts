import { platformRoutes, RouteCatalogue, type RouteEntry } from "@latchkey/core";
import { ConfigError } from "../config.js";
import { serverRoutes } from "../routes.js";

/**
 * The catalogue a server enforces: its own routes (each route file's entry), the Vast platform
 * preset, and the operator's routes from LATCHKEY_CATALOGUE_FILE.
 */
export function serverCatalogue(operatorRoutes: readonly RouteEntry[] = []): RouteCatalogue {
  try {
    return new RouteCatalogue([...serverRoutes, ...platformRoutes, ...operatorRoutes]);
  } catch (err) {
    // Only the operator's entries can collide: the others are checked by the tests.
    throw new ConfigError("LATCHKEY_CATALOGUE_FILE", (err as Error).message);
  }
}
