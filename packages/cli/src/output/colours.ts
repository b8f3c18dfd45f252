export interface Colours {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const wrap = (open: number, close: number) => (text: string) =>
  `\u001b[${open}m${text}\u001b[${close}m`;

const plain = (text: string) => text;

/** ANSI styles, or identity functions when colour is off. */
export function colours(enabled: boolean): Colours {
  if (!enabled) {
    return { bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };
  }
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

/**
 * Colour only for a person at a terminal: never when the stream is piped, when NO_COLOR is set
 * to anything non-empty (no-color.org), or when `--no-color` was given.
 */
export function useColour(
  isTTY: boolean,
  env: Readonly<Record<string, string | undefined>>,
  flag: boolean,
): boolean {
  const noColor = env.NO_COLOR;
  return isTTY && flag && (noColor === undefined || noColor === "");
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point.
const ANSI = /\u001b\[[0-9;]*m/g;

/** The width a string takes on screen, escapes excluded. */
export function visibleWidth(text: string): number {
  return [...text.replace(ANSI, "")].length;
}
