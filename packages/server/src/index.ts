export { type AppOptions, buildApp, createContext } from "./app.js";
export type { AppContext } from "./appContext.js";
export { openBackend } from "./backend.js";
export { type Config, ConfigError, type ConfigSource, parseConfig, settings } from "./config.js";
export { createLogger } from "./http/logging.js";
export { main, startServer } from "./main.js";
export { loadPepper, PEPPER_FILE } from "./pepper.js";
