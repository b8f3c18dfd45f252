/** The "Examples:" block every command's --help ends with. */
export function examples(...lines: readonly [string, string][]): string {
  const body = lines.map(([command, what]) => `  # ${what}\n  $ ${command}`).join("\n\n");
  return `\nExamples:\n${body}\n`;
}
