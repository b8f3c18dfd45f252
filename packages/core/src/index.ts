export * from "./catalogue.js";
export * from "./errors.js";
export * from "./instant.js";
export * from "./keyFormat.js";
export * from "./keyHash.js";
export * from "./password.js";
export * from "./permissions/index.js";
export * from "./storePort.js";
