/** Plain-text tables for the terminal: padded columns, one header line. */
import type { Column } from "./columns";

export interface TextTableOptions {
  /** Cap each column at this many characters (the last column is never cut). */
  maxWidth?: number;
}

export function renderTextTable<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>, options: TextTableOptions = {}): string {
  const maxWidth = options.maxWidth ?? 48;
  const cells = rows.map((row) => columns.map((c) => c.text(row)));
  const widths = columns.map((c, i) => {
    let width = c.header.length;
    for (const line of cells) width = Math.max(width, line[i].length);
    return i === columns.length - 1 ? width : Math.min(width, maxWidth);
  });
  const format = (values: string[]) =>
    values
      .map((value, i) => {
        const last = i === values.length - 1;
        const text = !last && value.length > widths[i] ? `${value.slice(0, widths[i] - 1)}…` : value;
        if (last) return text;
        return columns[i].numeric ? text.padStart(widths[i]) : text.padEnd(widths[i]);
      })
      .join("  ")
      .trimEnd();
  return [format(columns.map((c) => c.header)), ...cells.map(format)].join("\n");
}

/** A single row formatted to fixed widths (for streaming output). */
export function renderTextRow<T>(row: T, columns: ReadonlyArray<Column<T>>, widths: readonly number[]): string {
  let line = "";
  for (let i = 0; i < columns.length; i++) {
    const value = columns[i].text(row);
    if (i === columns.length - 1) {
      line += value;
    } else {
      const text = value.length > widths[i] ? `${value.slice(0, widths[i] - 1)}…` : value;
      line += (columns[i].numeric ? text.padStart(widths[i]) : text.padEnd(widths[i])) + "  ";
    }
  }
  return line;
}
