/** Plain-text tables for the terminal: padded columns, one header line, control characters escaped. */
import type { PacketRow } from "../analysis/types";
import type { ByteBuffer } from "./byte-buffer";
import { compileTextRowWriter, type Column } from "./record-table";
import { packetRowTable } from "./records";
import { terminalText } from "../text/terminal-text";

export interface TextTableOptions {
  /** Cap each column at this many characters (the last column is never cut). */
  maxWidth?: number;
}

export function renderTextTable<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>, options: TextTableOptions = {}): string {
  const maxWidth = options.maxWidth ?? 48;
  // Cells hold text from the wire: control characters are escaped (terminal-text.ts).
  const cells = rows.map((row) => columns.map((c) => terminalText(c.text(row))));
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
    const value = terminalText(columns[i].text(row));
    if (i === columns.length - 1) {
      line += value;
    } else {
      const text = value.length > widths[i] ? `${value.slice(0, widths[i] - 1)}…` : value;
      line += (columns[i].numeric ? text.padStart(widths[i]) : text.padEnd(widths[i])) + "  ";
    }
  }
  return line;
}

/** The header line of a streaming table: renderTextRow's layout with each header as its cell. */
export function renderTextHeader<T>(columns: ReadonlyArray<Column<T>>, widths: readonly number[]): string {
  return renderTextRow(null, columns.map((c): Column<null> => ({ ...c, text: () => c.header })), widths);
}

/**
 * `renderTextRow(row, packetColumns, widths)` written into bytes, for the
 * CLI's packet list (a line per frame on million-packet captures). Same text;
 * a test compares the two on every fixture packet and on over-long values.
 * Compiled from the packet-list table (records.ts).
 */
export const writePacketTextRow: (p: PacketRow, widths: readonly number[], out: ByteBuffer) => void = compileTextRowWriter(packetRowTable);
