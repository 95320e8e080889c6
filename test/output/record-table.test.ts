// Records described once: a field table drives the columns and the compiled
// JSON, CSV and text writers, so one new entry shows up in all of them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ByteBuffer } from "../../lib/output/byte-buffer";
import { csvRow, csvField, csvQuoted } from "../../lib/output/csv";
import { columnsOf, compileCsvWriter, compileJsonWriter, compileTextRowWriter, streamingWidths, type AnyFieldSpec, type RecordTable } from "../../lib/output/record-table";
import { mqttMessageTable, packetRowTable, phaseTable } from "../../lib/output/records";
import { packetColumns } from "../../lib/output/columns";
import { renderTextRow } from "../../lib/output/text-table";
import { needTool, tsharkFieldNames } from "../helpers/tools";

interface Reading {
  id: number;
  sensor: string;
  value?: number;
  ok?: boolean;
  tags?: number[];
  where: { x: number; y: number };
  steps: Array<{ name: string; at: number }>;
}

const table: RecordTable<Reading> = {
  fields: [
    { name: "id", json: "number", wireshark: "frame.number" },
    { name: "sensor", json: "string", wireshark: "mqtt.topic" },
    { name: "value", json: "number", optional: true },
    { name: "ok", json: "boolean", optional: true },
    { name: "tags", json: "numbers", optional: true },
    { name: "where", json: { record: [{ name: "x", json: "number" }, { name: "y", json: "number" }] } },
    { name: "steps", json: { records: [{ name: "name", json: "name" }, { name: "at", json: "number" }] } },
  ],
  columns: [
    { header: "Id", field: "id", format: "integer", width: 4 },
    { header: "Sensor", field: "sensor", format: "text", width: 8 },
    { header: "Value", field: "value", format: "integer", width: 5 },
    { header: "Steps", text: (r) => r.steps.map((s) => s.name).join(" ") },
  ],
};

const rows: Reading[] = [
  { id: 1, sensor: "=temp,\"a\"", value: -3, ok: true, tags: [1, 2.5], where: { x: 1, y: -0.5 }, steps: [{ name: "a", at: 1 }, { name: "b", at: 2 }] },
  { id: 123456, sensor: "longer than eight\u0001", where: { x: 0, y: 0 }, steps: [] },
];

test("a field table's JSON writer writes JSON.stringify's text, optional fields left out, nested records inline", () => {
  const write = compileJsonWriter(table);
  const out = new ByteBuffer(16);
  for (const row of rows) {
    out.length = 0;
    write(row, out);
    assert.equal(out.bytes.toString("utf8", 0, out.length), JSON.stringify(row));
  }
});

test("a table's columns take header, alignment, Wireshark field and width from it; CSV and text writers agree with them", () => {
  const columns = columnsOf(table);
  assert.deepEqual(
    columns.map((c) => [c.header, c.numeric ?? false, c.field, c.width]),
    [
      ["Id", true, "frame.number", 4],
      ["Sensor", false, "mqtt.topic", 8],
      ["Value", true, undefined, 5],
      ["Steps", false, undefined, undefined],
    ],
  );
  const csv = compileCsvWriter(table, { csvField, csvQuoted });
  const text = compileTextRowWriter(table);
  const widths = streamingWidths(columns);
  assert.deepEqual(widths, [4, 8, 5]);
  const out = new ByteBuffer(16);
  for (const row of rows) {
    out.length = 0;
    csv(row, out);
    assert.equal(out.bytes.toString("utf8", 0, out.length), csvRow(row, columns));
    out.length = 0;
    text(row, widths, out);
    assert.equal(out.bytes.toString("utf8", 0, out.length), renderTextRow(row, columns, widths));
  }
});

test("the packet list's streaming widths are its table's width hints", () => {
  assert.deepEqual(streamingWidths(packetColumns), [6, 11, 15, 15, 8, 6, 13]);
});

test("a column naming a field the record does not have is refused when the table is read", () => {
  const bad = { fields: [{ name: "id", json: "number" }], columns: [{ header: "X", field: "nope" }] } as unknown as RecordTable<Reading>;
  assert.throws(() => columnsOf(bad), /nope/);
});

test("every Wireshark field in the record tables is a field tshark registers", (t) => {
  const tshark = needTool(t, "tshark");
  if (!tshark) return;
  const known = tsharkFieldNames(tshark);
  const named: string[] = [];
  const collect = (fields: ReadonlyArray<AnyFieldSpec>): void => {
    for (const f of fields) {
      if (f.wireshark) named.push(f.wireshark);
      if (typeof f.json === "object") collect("record" in f.json ? f.json.record : f.json.records);
    }
  };
  for (const t of [packetRowTable, mqttMessageTable, phaseTable]) collect(t.fields);
  // Column fields (_ws.col.*) are tshark's -e names for the columns, not registered fields.
  const fields = named.filter((f) => !f.startsWith("_ws.col."));
  assert.ok(fields.length >= 20, `only ${fields.length} fields named`);
  for (const field of fields) assert.ok(known.has(field), `tshark has no field ${field}`);
});
