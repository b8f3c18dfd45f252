import { type Input, Interrupted } from "./input.js";
import { LineBuffer } from "./lineBuffer.js";

const CTRL_C = "\u0003";
const CTRL_D = "\u0004";
const BACKSPACE = new Set(["\u007f", "\b"]);

/** Reads a line on a terminal with echo off (raw mode), so a password is never shown. */
function readHidden(
  stdin: NodeJS.ReadStream,
  prompts: NodeJS.WriteStream,
  question: string,
): Promise<string | null> {
  return new Promise((resolve, reject) => {
    // Echo goes off before the question appears, so nothing typed after it is ever shown.
    stdin.setRawMode(true);
    prompts.write(question);
    let answer = "";
    stdin.setEncoding("utf8");
    stdin.resume();
    const finish = (outcome: () => void) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      prompts.write("\n");
      outcome();
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return finish(() => resolve(answer));
        if (ch === CTRL_C) return finish(() => reject(new Interrupted()));
        if (ch === CTRL_D && answer === "") return finish(() => resolve(null));
        if (BACKSPACE.has(ch)) answer = [...answer].slice(0, -1).join("");
        else if (ch >= " ") answer += ch;
      }
    };
    stdin.on("data", onData);
  });
}

/** A line on a terminal, with readline's editing; readline is loaded only for a question. */
async function readVisible(
  stdin: NodeJS.ReadStream,
  prompts: NodeJS.WriteStream,
  question: string,
): Promise<string | null> {
  const { createInterface } = await import("node:readline");
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: stdin, output: prompts, terminal: true });
    let answered = false;
    rl.on("SIGINT", () => {
      rl.close();
      reject(new Interrupted());
    });
    rl.on("close", () => {
      if (!answered) resolve(null);
    });
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
  });
}

/**
 * Prompts on a terminal (questions on stderr, so stdout stays clean for `--raw`); when stdin is
 * piped, answers are read from it line by line without any prompt or echo, so scripts and tests
 * can drive `login`.
 */
export function nodeInput(stdin: NodeJS.ReadStream, prompts: NodeJS.WriteStream): Input {
  const isTTY = stdin.isTTY === true;
  const lines = new LineBuffer(stdin);
  return {
    isTTY,
    readLine: (question) => (isTTY ? readVisible(stdin, prompts, question) : lines.next()),
    readSecret: (question) => (isTTY ? readHidden(stdin, prompts, question) : lines.next()),
  };
}
