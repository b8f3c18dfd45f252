import { createContext, useContext } from "react";
import type { ConsoleApi } from "./types.js";

export const ApiContext = createContext<ConsoleApi | null>(null);

/** The API client of the signed-in console; a 401 from it signs the console out. */
export function useApi(): ConsoleApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error("useApi outside <ApiContext.Provider>");
  return api;
}
