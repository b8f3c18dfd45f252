import { visibleWidth } from "./colours.js";

/**
 * Columns aligned by their widest cell, two spaces apart; the last column is not padded so that
 * lines carry no trailing blanks. `heading` styles the header row (bold on a terminal).
 */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  heading: (text: string) => string = (text) => text,
): string {
  const widths = headers.map((header, i) =>
    Math.max(visibleWidth(header), ...rows.map((row) => visibleWidth(row[i] ?? ""))),
  );
  const line = (cells: readonly string[], style: (text: string) => string) =>
    cells
      .map((cell, i) => {
        const last = i === cells.length - 1;
        const padding = last ? "" : " ".repeat((widths[i] ?? 0) - visibleWidth(cell));
        return style(cell) + padding;
      })
      .join("  ");
  return [line(headers, heading), ...rows.map((row) => line(row, (text) => text))]
    .map((text) => `${text}\n`)
    .join("");
}

/** `label: value` lines with the values aligned. */
export function renderFields(
  fields: readonly (readonly [string, string])[],
  label: (text: string) => string = (text) => text,
): string {
  const width = Math.max(...fields.map(([name]) => visibleWidth(name)));
  return fields
    .map(([name, value]) => {
      const padding = " ".repeat(width - visibleWidth(name));
      const indented = value.replaceAll("\n", `\n${" ".repeat(width + 2)}`);
      return `${label(`${name}:`)}${padding} ${indented}\n`;
    })
    .join("");
}
