import { test } from "node:test";
import assert from "node:assert/strict";
import { analyzeCapture } from "../../lib/analysis/analyze";
import type { PacketRow } from "../../lib/analysis/types";
import { ByteBuffer } from "../../lib/output/byte-buffer";
import { packetColumns } from "../../lib/output/columns";
import { renderTextRow, writePacketTextRow } from "../../lib/output/text-table";
import { captureFiles } from "../helpers/fixtures";

test("packet rows written as bytes are renderTextRow's text, at the CLI's widths and at cramped ones", async () => {
  const rows: PacketRow[] = [];
  for (const file of captureFiles()) rows.push(...(await analyzeCapture(file)).packets);
  const base: PacketRow = { frame: 1, time: 0, relativeTime: 0, source: "", destination: "", protocol: "TCP", length: 60, info: "", stream: 0 };
  rows.push(
    { ...base, frame: 123456789, relativeTime: 86400.0000005, source: "2001:db8:85a3::8a2e:370:7334", destination: "fe80::1", protocol: "MQTT", length: 65535, phase: "tcp-handshake", info: "温度 😀 [topic]" },
    { ...base, frame: 10 ** 12, relativeTime: -0.25, length: -1, phase: "publish", source: "é".repeat(20) },
    { ...base, relativeTime: 0.0000005 },
    { ...base, relativeTime: 999999.9999996 },
    { ...base, relativeTime: 1234567.25 },
    { ...base, relativeTime: Number.NaN },
  );
  assert.ok(rows.length > 100);
  const out = new ByteBuffer(16);
  for (const widths of [[6, 11, 15, 15, 8, 6, 13], [2, 3, 4, 4, 3, 2, 3]]) {
    for (const row of rows) {
      out.length = 0;
      writePacketTextRow(row, widths, out);
      assert.equal(out.bytes.subarray(0, out.length).toString("utf8"), renderTextRow(row, packetColumns, widths), `frame ${row.frame} at widths ${widths.join(",")}`);
    }
  }
});
