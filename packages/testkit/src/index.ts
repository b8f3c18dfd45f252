/**
 * Harnesses for the tests of every package: real databases, real servers (in-process or as the
 * built process), webhook receivers and multi-node clusters. Private: no product package
 * depends on it.
 */
export * from "./cluster.js";
export * from "./database.js";
export * from "./imports.js";
export * from "./metrics.js";
export * from "./receiver.js";
export * from "./server.js";
