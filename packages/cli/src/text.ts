import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { UsageError } from "./errors.js";
import type { Input } from "./prompt/input.js";

/**
 * What the CLI reads must be text before anything is sent: a name stored other than it was
 * typed cannot be found or fixed later. The system hands the CLI its arguments, and the
 * terminal or pipe its answers, already decoded, with every byte that is not UTF-8 turned into
 * U+FFFD; so an argument or answer holding U+FFFD is refused as "not UTF-8". Files are decoded
 * here, strictly. The strings of JSON options are checked where they are parsed
 * (parseJsonOption), since JSON's "\ud800" escape makes a string that is not text.
 */

const REPLACEMENT = "\ufffd";
const ENCODING_HINT =
  "the terminal, script or file must use UTF-8; retype the value or fix its encoding";

/** Why `value` is not text, or undefined when it is. */
function notText(value: string): string | undefined {
  if (!value.isWellFormed()) return "it has an unpaired UTF-16 surrogate";
  if (value.includes(REPLACEMENT)) {
    return "it holds U+FFFD, which stands for bytes that are not UTF-8";
  }
  return undefined;
}

function checkValue(what: string, value: unknown): void {
  const values = Array.isArray(value) ? value : [value];
  for (const one of values) {
    if (typeof one !== "string") continue;
    const why = notText(one);
    if (why !== undefined) throw new UsageError(`${what} is not valid text: ${why}`, ENCODING_HINT);
  }
}

/** Every option (the command's and its parents', global ones included) and argument given. */
export function checkCommandLine(command: Command): void {
  for (let at: Command | null = command; at !== null; at = at.parent) {
    for (const option of at.options) {
      checkValue(option.long ?? option.flags, at.getOptionValue(option.attributeName()));
    }
  }
  command.args.forEach((arg, i) => {
    const declared = command.registeredArguments[i]?.name();
    checkValue(declared === undefined ? `argument ${i + 1}` : declared.toUpperCase(), arg);
  });
}

/**
 * The same for answers to prompts and lines of stdin; the answer (maybe a password) is never
 * shown, only the question it answers.
 */
export function checkedInput(input: Input): Input {
  const check = (question: string, answer: string | null): string | null => {
    if (answer !== null) {
      const why = notText(answer);
      if (why !== undefined) {
        const what = input.isTTY
          ? `the answer to '${question.trim()}'`
          : `the line of stdin read for '${question.trim()}'`;
        throw new UsageError(`${what} is not valid text: ${why}`, ENCODING_HINT);
      }
    }
    return answer;
  };
  return {
    get isTTY() {
      return input.isTTY;
    },
    readLine: async (question) => check(question, await input.readLine(question)),
    readSecret: async (question) => check(question, await input.readSecret(question)),
  };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A file's text, refused when it is not UTF-8 (no byte is quietly replaced). */
export function readTextFile(path: string, what: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new UsageError(`cannot read ${what}: ${(err as Error).message}`);
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw new UsageError(`${what} ${path} is not valid UTF-8 text`, ENCODING_HINT);
  }
}
