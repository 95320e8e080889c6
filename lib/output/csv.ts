/** RFC 4180 CSV tables, with text cells guarded against formula injection (csv-cells.ts). */
import type { MqttMessage } from "../analysis/types";
import { textOf, type ByteBuffer } from "./byte-buffer";
import { csvField, csvQuoted } from "./csv-cells";
import { compileCsvWriter, type Column } from "./record-table";
import { mqttMessageTable } from "./records";

export { csvField, csvQuoted } from "./csv-cells";

export function csvHeader<T>(columns: ReadonlyArray<Column<T>>): string {
  return columns.map((c) => csvField(c.header)).join(",");
}

export function csvRow<T>(row: T, columns: ReadonlyArray<Column<T>>): string {
  let line = "";
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i];
    line += (i ? "," : "") + (column.numeric ? csvQuoted(column.text(row)) : csvField(column.text(row)));
  }
  return line;
}

/**
 * One MQTT message table row, as UTF-8 into `out`: the same columns and text
 * as `csvRow(message, messageColumns)` (a test checks), compiled from the
 * message table once because it runs per message on million-packet captures.
 */
export const writeMessageCsvRow: (m: MqttMessage, out: ByteBuffer) => void = compileCsvWriter(mqttMessageTable, { csvField, csvQuoted });

/** The MQTT message table row as a string. */
export function messageCsvRow(m: MqttMessage): string {
  return textOf(writeMessageCsvRow, m);
}
