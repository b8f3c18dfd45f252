export { ExitCode, exitCodeHelp } from "./exitCodes.js";
export type { Io, Writer } from "./io.js";
export type { Input } from "./prompt/input.js";
export { runCli } from "./runCli.js";
export { type Finding, findKeys } from "./scan/findKeys.js";
