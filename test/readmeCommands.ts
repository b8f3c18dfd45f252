import { readFileSync } from "node:fs";

/** One command of a README's ```sh block, continuation lines joined (backslash-newline kept). */
export interface ReadmeCommand {
  /** The line as written, trailing comment included: what a reader pastes into a shell. */
  text: string;
  /** The command without its trailing comment and surrounding blanks. */
  command: string;
  /** The trailing comment's text (after `#`), or "" when there is none. */
  comment: string;
}

/**
 * The commands of the one ```sh block in the section under `## heading` of a Markdown file.
 * Throws when the section or its block is missing, so a renamed heading fails loudly rather
 * than leaving a walk-through untested.
 */
export function shBlock(file: string, heading: string): ReadmeCommand[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const start = lines.indexOf(`## ${heading}`);
  if (start < 0) throw new Error(`${file}: no section "## ${heading}"`);
  const end = lines.findIndex((line, i) => i > start && line.startsWith("## "));
  const section = lines.slice(start + 1, end < 0 ? undefined : end);
  const open = section.indexOf("```sh");
  if (open < 0) throw new Error(`${file}: no \`\`\`sh block under "## ${heading}"`);
  const close = section.indexOf("```", open + 1);
  if (close < 0) throw new Error(`${file}: the \`\`\`sh block under "## ${heading}" is not closed`);
  if (section.indexOf("```sh", close + 1) >= 0) {
    throw new Error(`${file}: more than one \`\`\`sh block under "## ${heading}"`);
  }
  const commands: ReadmeCommand[] = [];
  let pending = "";
  for (const line of section.slice(open + 1, close)) {
    const text = pending + line;
    if (line.endsWith("\\")) {
      pending = `${text}\n`;
      continue;
    }
    pending = "";
    const { command, comment } = splitComment(text);
    if (command !== "") commands.push({ text, command, comment });
  }
  return commands;
}

/** Splits off a shell comment: a `#` outside quotes, at the start or after a blank. */
export function splitComment(text: string): { command: string; comment: string } {
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote === "'") {
      if (char === "'") quote = undefined;
    } else if (quote === '"') {
      if (char === "\\") i++;
      else if (char === '"') quote = undefined;
    } else if (char === "\\") {
      i++;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === "#" && (i === 0 || /\s/.test(text[i - 1] ?? ""))) {
      return { command: text.slice(0, i).trim(), comment: text.slice(i + 1).trim() };
    }
  }
  return { command: text.trim(), comment: "" };
}
