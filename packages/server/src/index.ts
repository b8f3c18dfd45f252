export { type AppOptions, buildApp } from "./app.js";
export { openBackend } from "./backend.js";
export { type Config, ConfigError, type ConfigSource, parseConfig, settings } from "./config.js";
export { createDeps, type Deps, type DepsOptions, startBackgroundWork } from "./deps.js";
export { createLogger } from "./http/logging.js";
export { main, type RunningServer, runServer, startServer } from "./main.js";
export { loadPepper, PEPPER_FILE } from "./pepper.js";
