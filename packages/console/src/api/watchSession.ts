import { describeProblem } from "./client.js";
import type { ConsoleApi } from "./types.js";

type AnyCall = (...args: never[]) => Promise<unknown>;

/**
 * The same client, except that a 401 (the session ended: signed out elsewhere, expired, or
 * ended from another device) also tells the console to show the sign-in page.
 */
export function watchSession(api: ConsoleApi, onUnauthorized: () => void): ConsoleApi {
  const watched: Record<string, AnyCall> = {};
  for (const [name, call] of Object.entries(api) as [string, AnyCall][]) {
    watched[name] = async (...args: never[]) => {
      try {
        return await call(...args);
      } catch (err) {
        if (describeProblem(err).status === 401) onUnauthorized();
        throw err;
      }
    };
  }
  return watched as unknown as ConsoleApi;
}
