export * from "./constraint.js";
export * from "./evaluate.js";
export * from "./intersect.js";
export * from "./parse.js";
export * from "./presets.js";
export * from "./subset.js";
export * from "./tree.js";
