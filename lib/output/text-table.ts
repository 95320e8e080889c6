/** Plain-text tables for the terminal: padded columns, one header line, control characters escaped. */
import type { PacketRow } from "../analysis/types";
import { relativeTimeMicros } from "../analysis/format";
import { decimalDigits, type ByteBuffer } from "./byte-buffer";
import type { Column } from "./columns";
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

/**
 * `renderTextRow(row, packetColumns, widths)` written into bytes, for the
 * CLI's packet list (a line per frame on million-packet captures). Same text;
 * a test compares the two on every fixture packet and on over-long values.
 */
export function writePacketTextRow(p: PacketRow, widths: readonly number[], out: ByteBuffer): void {
  writeRightAlignedInteger(p.frame, widths[0], out);
  writeRightAlignedSeconds(p.relativeTime, widths[1], out);
  writePadded(p.source, widths[2], false, out);
  writePadded(p.destination, widths[3], false, out);
  writePadded(p.protocol, widths[4], false, out);
  writeRightAlignedInteger(p.length, widths[5], out);
  writePadded(p.phase ?? "", widths[6], false, out);
  out.text(terminalText(p.info)); // the Info column carries topics and clientIds: escaped (one regexp test when clean)
}

/** A cell cut to `width` (with "…") and padded, then the two-space column gap. */
function writePadded(value: string, width: number, right: boolean, out: ByteBuffer): void {
  const text = value.length > width ? `${value.slice(0, width - 1)}…` : value;
  const pad = width - text.length;
  if (right) out.spaces(pad);
  out.text(text);
  out.spaces(right ? 2 : pad + 2);
}

/** Seconds as toFixed(6) writes them, right-aligned like writePadded(). */
function writeRightAlignedSeconds(seconds: number, width: number, out: ByteBuffer): void {
  const micros = relativeTimeMicros(seconds);
  const length = micros < 0 ? Infinity : decimalDigits(Math.floor(micros / 1e6)) + 7;
  if (length > width) {
    writePadded(seconds.toFixed(6), width, true, out);
    return;
  }
  out.spaces(width - length);
  out.microseconds(micros);
  out.spaces(2);
}

function writeRightAlignedInteger(value: number, width: number, out: ByteBuffer): void {
  const digits = value >= 0 && value <= 0x7fffffff && Number.isInteger(value) ? decimalDigits(value) : Infinity;
  if (digits > width) {
    // Fractions, negatives, huge values and numbers wider than the column: as text, cut like any cell.
    writePadded(String(value), width, true, out);
    return;
  }
  out.spaces(width - digits);
  out.integer(value);
  out.spaces(2);
}
