/**
 * Records described once. A record (a packet-list row, an MQTT message, a
 * phase) has one table (records.ts): its fields in JSON order, each with a
 * kind and Wireshark's display-filter field, and its columns, each a header,
 * a field or a computed cell, and a width hint. Everything that shows the
 * record derives from that table here: the `Column`s of the text, CSV and HTML
 * tables, and the byte writers of the JSON, CSV and packet-list outputs.
 *
 * The byte writers run once per row on million-packet captures, so they are
 * compiled: the table is turned into the source of one straight-line function
 * (`new Function`, as fast-json-stringify does) when the module loads, and a
 * row is written with no table walk, no closure per field and no allocation.
 * Names in the generated source come only from these tables, quoted with
 * JSON.stringify.
 */
import { formatEpoch, relativeTimeMicros } from "../analysis/format";
import { terminalText } from "../text/terminal-text";
import { decimalDigits, type ByteBuffer } from "./byte-buffer";

/** Every key of every member of a union (keyof a union is only the shared keys). */
export type AllKeys<T> = T extends unknown ? keyof T & string : never;

/**
 * How a field is written as JSON, as JSON.stringify writes it:
 * `number`; `name` (our own ASCII names: directions, kinds, statuses, written
 * unescaped); `string` (text from the wire, escaped); `boolean`; `numbers` (an
 * array of numbers); `value` (a rare nested value: JSON.stringify's text);
 * or a nested record (`record`) or array of records (`records`) with its own fields.
 */
export type JsonKind = "number" | "name" | "string" | "boolean" | "numbers" | "value";

/** A field of some record (nested records are described by their own field lists). */
export interface AnyFieldSpec {
  readonly name: string;
  readonly json: JsonKind | { readonly record: ReadonlyArray<AnyFieldSpec> } | { readonly records: ReadonlyArray<AnyFieldSpec> };
  /** Left out of the JSON when undefined (as JSON.stringify does). */
  readonly optional?: true;
  /** Wireshark's display-filter field for the same value, when it has one. */
  readonly wireshark?: string;
}

/** A field of the record T. */
export interface FieldSpec<T> extends AnyFieldSpec {
  readonly name: AllKeys<T>;
}

/**
 * How a field's value becomes cell text: `integer` (String(v)), `seconds`
 * (toFixed(6)), `epoch` (formatEpoch), `name` (our own ASCII names) or `text`
 * (from the wire: CSV guards formulas, the terminal escapes control characters).
 * An undefined value is an empty cell.
 */
export type CellFormat = "integer" | "seconds" | "epoch" | "name" | "text";

export interface ColumnSpec<T> {
  header: string;
  /** The cell is this field's value, in `format`. */
  field?: AllKeys<T>;
  format?: CellFormat;
  /** A computed cell (when the column is not one field). */
  text?: (row: T) => string;
  /** The CSV cell of a computed column as bytes, when it runs per row: exactly csvField(text(row)) (or csvQuoted for numbers). */
  csv?: (row: T, out: ByteBuffer) => void;
  /** Right-align (numbers); defaults to true for integer, seconds and epoch cells. */
  numeric?: boolean;
  /** Minimum width in the CLI's streaming packet list (which cannot measure rows it has not seen). */
  width?: number;
  /** Wireshark's field of a computed column (a field column takes its field's). */
  wireshark?: string;
  /** Left out of the CLI's compact tables (kept in HTML, reports and notebooks). */
  detail?: true;
}

export interface RecordTable<T> {
  /** The record's fields, in the order its objects are built (the JSON key order). */
  fields: ReadonlyArray<FieldSpec<T>>;
  columns: ReadonlyArray<ColumnSpec<T>>;
}

/** A table column, as every renderer (text, CSV, HTML) uses it. */
export interface Column<T> {
  /** Header text. */
  header: string;
  /** Cell text. */
  text(row: T): string;
  /** Right-align (numbers). */
  numeric?: boolean;
  /** Wireshark display-filter field this column corresponds to, if any. */
  field?: string;
  /** Minimum width hint for streaming text output. */
  width?: number;
  /** Left out of the CLI's compact tables. */
  detail?: true;
}

const numericFormats: ReadonlySet<CellFormat> = new Set(["integer", "seconds", "epoch"]);

function fieldOf<T>(table: RecordTable<T>, name: string): FieldSpec<T> {
  const field = table.fields.find((f) => f.name === name);
  if (!field) throw new Error(`record table: column field '${name}' is not a field of the record`);
  return field;
}

function cellText(format: CellFormat, value: unknown): string {
  if (value === undefined) return "";
  switch (format) {
    case "seconds":
      return (value as number).toFixed(6);
    case "epoch":
      return formatEpoch(value as number);
    case "integer":
      return String(value);
    default:
      return value as string;
  }
}

/** The table's columns as renderers use them. */
export function columnsOf<T>(table: RecordTable<T>): ReadonlyArray<Column<T>> {
  return table.columns.map((spec) => {
    const column: Column<T> = { header: spec.header, text: textOfColumn(spec) };
    const numeric = spec.numeric ?? (spec.format !== undefined && numericFormats.has(spec.format));
    if (numeric) column.numeric = true;
    const field = spec.field !== undefined ? fieldOf(table, spec.field).wireshark : spec.wireshark;
    if (field !== undefined) column.field = field;
    if (spec.width !== undefined) column.width = spec.width;
    if (spec.detail) column.detail = true;
    return column;
  });
}

function textOfColumn<T>(spec: ColumnSpec<T>): (row: T) => string {
  if (spec.text) return spec.text;
  const name = spec.field;
  if (name === undefined) throw new Error(`record table: column '${spec.header}' has neither a field nor a text function`);
  const format = spec.format ?? "text";
  return (row) => cellText(format, (row as Record<string, unknown>)[name]);
}

// Compiled byte writers ------------------------------------------------------

type Compiled<F> = F & { source: string };

function compile<F>(params: string[], body: string, helpers: Record<string, unknown>): Compiled<F> {
  const names = Object.keys(helpers);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the source is built from this module's tables only
  const make = new Function(...names, `"use strict";\nreturn function write(${params.join(", ")}) {\n${body}};`) as (...h: unknown[]) => F;
  const write = make(...names.map((n) => helpers[n])) as Compiled<F>;
  Object.defineProperty(write, "source", { value: body });
  return write;
}

const q = JSON.stringify;

/** Source that writes `{…}` of `fields` for the object in variable `v`. */
function jsonObjectSource(fields: ReadonlyArray<AnyFieldSpec>, v: string, depth: number): string {
  let body = "";
  let first = true;
  for (const field of fields) {
    const key = `${first ? "{" : ","}${q(field.name)}:`;
    if (first && field.optional) throw new Error(`record table: the first field '${field.name}' must not be optional`);
    first = false;
    const value = `${v}_${depth}_${field.name}`;
    let write: string;
    const kind = field.json;
    if (kind === "number") write = `out.number(${value});`;
    else if (kind === "name") write = `out.byte(0x22); out.text(${value}); out.byte(0x22);`;
    else if (kind === "string") write = `out.jsonString(${value});`;
    else if (kind === "boolean") write = `out.text(${value} ? "true" : "false");`;
    else if (kind === "numbers") write = `numbers(${value}, out);`;
    else if (kind === "value") write = `out.text(stringify(${value}));`;
    else if ("record" in kind) write = jsonObjectSource(kind.record, value, depth + 1);
    else {
      const item = `${value}_item`;
      const i = `${value}_i`;
      write =
        `out.byte(0x5b);\nfor (let ${i} = 0; ${i} < ${value}.length; ${i}++) {\nif (${i} > 0) out.byte(0x2c);\nconst ${item} = ${value}[${i}];\n` +
        jsonObjectSource(kind.records, item, depth + 1) +
        `}\nout.byte(0x5d);`;
    }
    body += `const ${value} = ${v}[${q(field.name)}];\n`;
    body += field.optional ? `if (${value} !== undefined) { out.text(${q(key)}); ${write} }\n` : `out.text(${q(key)}); ${write}\n`;
  }
  return `${body}out.byte(0x7d);\n`;
}

function writeNumbers(values: readonly number[], out: ByteBuffer): void {
  out.byte(0x5b);
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out.byte(0x2c);
    out.number(values[i]);
  }
  out.byte(0x5d);
}

/**
 * The record's JSON writer: the text JSON.stringify writes for an object with
 * the table's keys in the table's order (undefined optional fields left out).
 */
export function compileJsonWriter<T>(table: RecordTable<T>): (row: T, out: ByteBuffer) => void {
  return compile(["r", "out"], jsonObjectSource(table.fields, "r", 0), { numbers: writeNumbers, stringify: JSON.stringify });
}

/**
 * The record's CSV row writer (no line end): the same text as csvRow(row,
 * columnsOf(table)). Text cells go through csvField, numbers through csvQuoted.
 */
export function compileCsvWriter<T>(
  table: RecordTable<T>,
  cells: { csvField(value: string): string; csvQuoted(value: string): string },
): (row: T, out: ByteBuffer) => void {
  const helpers: Record<string, unknown> = { csvField: cells.csvField, csvQuoted: cells.csvQuoted, String };
  let body = "";
  table.columns.forEach((spec, i) => {
    if (i > 0) body += "out.byte(0x2c);\n";
    const numeric = spec.numeric ?? (spec.format !== undefined && numericFormats.has(spec.format));
    if (spec.field === undefined) {
      helpers[`csv${i}`] = spec.csv;
      helpers[`text${i}`] = spec.text;
      body += spec.csv ? `csv${i}(r, out);\n` : `out.text(${numeric ? "csvQuoted" : "csvField"}(text${i}(r)));\n`;
      return;
    }
    const v = `v${i}`;
    body += `const ${v} = r[${q(spec.field)}];\n`;
    let write: string;
    switch (spec.format ?? "text") {
      case "integer":
        // out.integer writes what String() does for any number; a number cell never needs quoting.
        write = `out.integer(${v});`;
        break;
      case "epoch":
        write = `out.epoch(${v});`;
        break;
      case "seconds":
        write = `out.text(${v}.toFixed(6));`;
        break;
      case "name":
        // Our own ASCII names (directions, types, kinds): nothing a spreadsheet reads as a formula, nothing to quote.
        write = `out.text(${v});`;
        break;
      default:
        write = numeric ? `out.text(csvQuoted(${v}));` : `out.text(csvField(${v}));`;
    }
    body += fieldOf(table, spec.field).optional ? `if (${v} !== undefined) ${write}\n` : `${write}\n`;
  });
  return compile(["r", "out"], body, helpers);
}

/**
 * The record's fixed-width text row writer (no line end): the same text as
 * renderTextRow(row, columnsOf(table), widths), for the CLI's streaming
 * packet list. Our own names are written as they are; text from the wire is
 * escaped (terminalText), the last column is never cut.
 */
export function compileTextRowWriter<T>(table: RecordTable<T>): (row: T, widths: readonly number[], out: ByteBuffer) => void {
  const helpers: Record<string, unknown> = { padded: writePadded, integer: writeRightAlignedInteger, seconds: writeRightAlignedSeconds, terminalText, formatEpoch };
  let body = "";
  const last = table.columns.length - 1;
  table.columns.forEach((spec, i) => {
    const numeric = spec.numeric ?? (spec.format !== undefined && numericFormats.has(spec.format));
    const width = `widths[${i}]`;
    let text: string;
    let direct: string | undefined;
    if (spec.field === undefined) {
      helpers[`text${i}`] = spec.text;
      text = `terminalText(text${i}(r))`;
    } else {
      const v = `v${i}`;
      body += `const ${v} = r[${q(spec.field)}];\n`;
      const optional = fieldOf(table, spec.field).optional;
      const format = spec.format ?? "text";
      const shown = format === "name" ? v : format === "epoch" ? `formatEpoch(${v})` : format === "seconds" ? `${v}.toFixed(6)` : format === "integer" ? `String(${v})` : `terminalText(${v})`;
      text = optional ? `(${v} === undefined ? "" : ${shown})` : shown;
      if (i < last && (format === "integer" || format === "seconds") && numeric) {
        const call = `${format}(${v}, ${width}, out);`;
        direct = optional ? `if (${v} === undefined) padded("", ${width}, true, out); else ${call}` : call;
      }
    }
    if (i === last) body += `out.text(${text});\n`;
    else body += direct !== undefined ? `${direct}\n` : `padded(${text}, ${width}, ${numeric}, out);\n`;
  });
  helpers.String = String;
  return compile(["r", "widths", "out"], body, helpers);
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

/** The widths of a streaming text table: each column's hint, at least its header. */
export function streamingWidths<T>(columns: ReadonlyArray<Column<T>>): number[] {
  return columns.slice(0, -1).map((c) => Math.max(c.width ?? c.header.length, c.header.length));
}
