export { type AppOptions, buildApp, createContext } from "./app.js";
export type { AppContext } from "./appContext.js";
export { type Config, ConfigError, parseConfig, settings } from "./config.js";
export { main, startServer } from "./main.js";
export { loadPepper } from "./pepper.js";
