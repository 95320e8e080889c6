/** RFC 4180 CSV, with text cells guarded against formula injection (csvField). */
import type { MqttMessage } from "../analysis/types";
import { textOf, type ByteBuffer } from "./byte-buffer";
import type { Column } from "./columns";

/**
 * A text cell. One that a spreadsheet would read as a formula (it starts with
 * `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as
 * OWASP's CSV-injection advice says: a topic or clientId such as
 * `=cmd|' /C calc'!A0` is data from the wire, never something to run.
 */
export function csvField(value: string): string {
  return csvQuoted(value.length > 0 && startsFormula(value.charCodeAt(0)) ? `'${value}` : value);
}

/** A number cell (a numeric column): quoted when RFC 4180 requires, never prefixed, so -1 stays a number. */
export function csvQuoted(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 34 || c === 44 || c === 10 || c === 13) return `"${value.replace(/"/g, '""')}"`;
  }
  return value;
}

/** = + - @ tab CR */
function startsFormula(c: number): boolean {
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13;
}

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
 * The MQTT message table row: the same columns and text as
 * `csvRow(message, messageColumns)` (a test checks), written by hand into
 * bytes by writeMessageCsvRow because it runs once per message on
 * million-packet captures.
 */
export function messageCsvRow(m: MqttMessage): string {
  return textOf(writeMessageCsvRow, m);
}

/** One message table row, as UTF-8 into `out`. */
export function writeMessageCsvRow(m: MqttMessage, out: ByteBuffer): void {
  out.integer(m.frame);
  out.byte(COMMA);
  out.epoch(m.time);
  out.byte(COMMA);
  out.integer(m.stream);
  out.byte(COMMA);
  out.text(m.direction);
  out.byte(COMMA);
  out.text(m.type);
  out.byte(COMMA);
  optionalInteger(m.messageId, out);
  const topic = m.topic;
  if (topic !== undefined) out.text(csvField(topic));
  else if (m.subscriptions) out.text(csvField(m.subscriptions.map((s) => s.topic).join(" ")));
  else if (m.unsubscriptions) out.text(csvField(m.unsubscriptions.join(" ")));
  out.byte(COMMA);
  optionalInteger(m.qos, out);
  optionalInteger(m.returnCode, out);
  optionalInteger(m.reasonCode, out);
  if (m.clientId !== undefined) out.text(csvField(m.clientId));
  out.byte(COMMA);
  if (m.username !== undefined) out.text(csvField(m.username));
  out.byte(COMMA);
  out.integer(m.length);
  out.byte(COMMA);
  optionalInteger(m.payloadLength, out);
  const frames = m.frames;
  if (frames) {
    for (let i = 0; i < frames.length; i++) {
      if (i > 0) out.byte(SPACE);
      out.integer(frames[i]);
    }
  } else {
    out.integer(m.frame);
  }
  out.byte(COMMA);
  if (m.malformed !== undefined) out.text(csvField(m.malformed));
}

const COMMA = 44;
const SPACE = 32;

/** A number then a comma, or just the comma when there is none. */
function optionalInteger(value: number | undefined, out: ByteBuffer): void {
  if (value !== undefined) out.integer(value);
  out.byte(COMMA);
}
