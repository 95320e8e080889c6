// Text from the wire reaches the terminal with its control characters
// escaped: a hostile clientId, username or topic cannot retitle the window,
// clear the screen or forge a row.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PacketRow } from "../../lib/analysis/types";
import { ByteBuffer } from "../../lib/output/byte-buffer";
import { packetColumns } from "../../lib/output/columns";
import { hasControlCharacter, terminalText } from "../../lib/text/terminal-text";
import { renderTextRow, renderTextTable, writePacketTextRow } from "../../lib/output/text-table";
import { formatDeviceLogLine, formatDeviceLogTable, type DeviceLogEntry } from "../../lib/platform/device-log";
import { projectRoot } from "../helpers/fixtures";
import { conversationPcap } from "../helpers/packet-builder";

/** Any C0 control, DEL or C1 control left raw. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

test("terminalText: C-style escapes for C0, DEL and C1 controls; printable Unicode kept; clean text returned as it is", () => {
  assert.equal(terminalText("\u001b]0;pwned\u0007"), "\\x1b]0;pwned\\a");
  assert.equal(terminalText("a\nb\rc\td\u0008\u000b\u000c"), "a\\nb\\rc\\td\\b\\v\\f");
  assert.equal(terminalText("\u0000\u001f\u007f"), "\\x00\\x1f\\x7f");
  assert.equal(terminalText("\u0085\u009b2J"), "\\u0085\\u009b2J");
  const clean = "température/Zürich/温度/😀 \\x1b";
  assert.equal(terminalText(clean), clean);
  assert.equal(hasControlCharacter(clean), false);
  assert.equal(hasControlCharacter("a\u009bb"), true);
});

const hostile = "dev\u001b]0;pwned\u0007\u001b[2J\r\n2026-01-01 00:00:00 online  forged";

test("text tables, packet rows (string and byte writers) and device-log lines escape what a peer sent", () => {
  const row: PacketRow = { frame: 1, time: 1700000000, relativeTime: 0, source: "10.0.0.1", destination: "10.0.0.2", protocol: "MQTT", length: 60, info: `Publish Message [${hostile}]`, stream: 0 };
  const table = renderTextTable([row], packetColumns);
  assert.equal(table.split("\n").length, 2, "one header line and one row");
  assert.doesNotMatch(table, RAW_CONTROL);
  assert.ok(table.includes("\\x1b]0;pwned\\a"));
  const widths = packetColumns.map(() => 12);
  const out = new ByteBuffer(64);
  writePacketTextRow(row, widths, out);
  const bytes = out.bytes.toString("utf8", 0, out.length);
  assert.equal(bytes, renderTextRow(row, packetColumns, widths));
  assert.doesNotMatch(bytes, RAW_CONTROL);
  assert.ok(!bytes.includes("\n"));

  const entry: DeviceLogEntry = { seq: 1, time: "2026-01-01T00:00:00.000Z", timeMs: 0, event: "login-refused", productKey: "pk", deviceName: hostile, clientId: hostile, clientIp: "127.0.0.1", clientPort: 5, topic: hostile, status: "refused", reason: `bad clientId: ${hostile}` };
  for (const text of [formatDeviceLogLine(entry), formatDeviceLogTable([entry])]) {
    assert.doesNotMatch(text, RAW_CONTROL);
    assert.ok(text.includes("\\x1b[2J\\r\\n2026"));
  }
  assert.equal(formatDeviceLogLine(entry).split("\n").length, 1);
  assert.equal(formatDeviceLogTable([entry]).split("\n").length, 2);
});

test("analyze (table): a capture whose CONNECT and PUBLISH carry escape sequences prints them escaped", () => {
  const text = (s: string) => Buffer.from(s, "utf8");
  const clientId = text(hostile);
  const connectBody = Buffer.concat([Buffer.from("00044d5154540402003c", "hex"), Buffer.from([0, clientId.length]), clientId]);
  const connect = Buffer.concat([Buffer.from([0x10, connectBody.length]), connectBody]);
  const topic = text(`t/${hostile}`);
  const publish = Buffer.concat([Buffer.from([0x30, 2 + topic.length + 1, 0, topic.length]), topic, text("x")]);
  const C = 1000;
  const S = 5000;
  const file = join(mkdtempSync(join(tmpdir(), "iwl-terminal-")), "hostile.pcap");
  writeFileSync(
    file,
    conversationPcap([
      { fromClient: true, seq: C, flags: "S", at: 0 },
      { fromClient: false, seq: S, ack: C + 1, flags: "SA", at: 10 },
      { fromClient: true, seq: C + 1, ack: S + 1, flags: "PA", payload: connect, at: 20 },
      { fromClient: true, seq: C + 1 + connect.length, ack: S + 1, flags: "PA", payload: publish, at: 30 },
    ]),
  );
  const cli = join(projectRoot, "dist", "lib", "cli", "main.js");
  for (const args of [["analyze", file], ["analyze", file, "--no-packets"]]) {
    const run = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stdout, RAW_CONTROL, `${args.join(" ")} printed a raw control character`);
    assert.ok(!run.stdout.includes("\n2026-01-01"), "a forged row");
  }
  const packets = spawnSync(process.execPath, [cli, "analyze", file], { encoding: "utf8" }).stdout;
  assert.ok(packets.includes("Publish Message [t/dev\\x1b]0;pwned\\a\\x1b[2J\\r\\n2026"), packets);
});
