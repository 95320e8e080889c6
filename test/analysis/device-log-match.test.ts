// The platform's device log paired with frames, on real captures recorded
// with their real device logs (data/captures/*-device-log.jsonl).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { deviceLogMatchColumns, matchDeviceLog } from "../../lib/lab/device-log-match";
import type { Analysis, MqttMessage } from "../../lib/analysis/types";
import { readDeviceLog, type DeviceLogEntry } from "../../lib/platform/device-log";
import { renderTextTable } from "../../lib/output/text-table";
import { fixtureDir } from "../helpers/fixtures";

function fixture(t: { skip(message: string): void }, name: string): string | undefined {
  const path = join(fixtureDir, name);
  if (existsSync(path)) return path;
  t.skip(`${name} is missing: npm run fixtures`);
  return undefined;
}

function only(analysis: Analysis, type: string, stream = 0): MqttMessage {
  const found = analysis.messages.filter((m) => m.type === type && m.stream === stream);
  assert.equal(found.length, 1, `one ${type} in stream ${stream}`);
  return found[0]!;
}

const log = (name: string): DeviceLogEntry[] => readDeviceLog(join(fixtureDir, name)).entries;

test("tutorial: online ↔ CONNACK, subscribe ↔ SUBSCRIBE/SUBACK, upstream ↔ PUBLISH, offline ↔ DISCONNECT", async (t) => {
  for (const name of ["tutorial.pcapng", "tutorial.pcap"]) {
    const file = fixture(t, name);
    if (!file) return;
    // The same run recorded by dumpcap and tcpdump: the same pairs.
    const analysis = await analyzeCapture(file);
    const rows = matchDeviceLog(analysis, log("tutorial-device-log.jsonl"));
    assert.deepEqual(
      rows.map((r) => [r.entry.event, r.messageType, r.stream]),
      [
        ["online", "CONNACK", 0],
        ["subscribe", "SUBACK", 0],
        ["upstream", "PUBLISH", 0],
        ["offline", "DISCONNECT", 0],
      ],
      name,
    );
    assert.equal(rows[0]!.frame, only(analysis, "CONNACK").frame);
    assert.equal(rows[1]!.frame, only(analysis, "SUBACK").frame);
    assert.equal(rows[1]!.requestFrame, only(analysis, "SUBSCRIBE").frame);
    assert.equal(rows[2]!.frame, only(analysis, "PUBLISH").frame);
    assert.equal(rows[3]!.frame, only(analysis, "DISCONNECT").frame);
    for (const row of rows) {
      assert.equal(row.note, undefined, `${row.entry.event}: ${row.note}`);
      // Same machine, same clock: the platform logs within milliseconds of the packet.
      assert.ok(Math.abs(row.timeOffset!) < 0.05, `${row.entry.event} offset ${row.timeOffset}`);
    }
  }
});

test("fleet-5: every device's entries land on its own tcp.stream", async (t) => {
  const file = fixture(t, "fleet-5.pcapng");
  if (!file) return;
  const analysis = await analyzeCapture(file);
  const rows = matchDeviceLog(analysis, log("fleet-5-device-log.jsonl"));
  assert.equal(rows.length, 20);
  const streamOf = new Map<string, number>();
  for (const row of rows) {
    assert.notEqual(row.frame, undefined, `${row.entry.deviceName} ${row.entry.event}: ${row.note}`);
    const connection = analysis.connections.find((c) => c.stream === row.stream)!;
    assert.equal(connection.clientPort, row.entry.clientPort);
    const previous = streamOf.get(row.entry.deviceName!);
    if (previous !== undefined) assert.equal(row.stream, previous, `${row.entry.deviceName} changed stream`);
    streamOf.set(row.entry.deviceName!, row.stream!);
  }
  assert.equal(new Set(streamOf.values()).size, 5);
  // No PUBLISH frame serves two entries.
  const publishes = rows.filter((r) => r.entry.event === "upstream").map((r) => r.frame);
  assert.equal(new Set(publishes).size, 5);
});

test("refused-login: refused CONNACK, forbidden SUBACK, forbidden PUBLISH, and an offline without DISCONNECT is the FIN", async (t) => {
  const file = fixture(t, "refused-login.pcapng");
  if (!file) return;
  const entries = log("refused-login-device-log.jsonl");
  for (const packets of [true, false]) {
    // Without the packet list, the FIN is found through the tcp-teardown phase.
    const analysis = await analyzeCapture(file, { packets });
    const rows = matchDeviceLog(analysis, entries);
    assert.deepEqual(
      rows.map((r) => [r.entry.event, r.entry.status, r.messageType, r.stream]),
      [
        ["login-refused", "refused", "CONNACK", 0],
        ["online", "ok", "CONNACK", 1],
        ["subscribe", "forbidden", "SUBACK", 1],
        ["upstream", "forbidden", "PUBLISH", 1],
        ["offline", "ok", "TCP FIN", 1],
      ],
      `packets: ${packets}`,
    );
    const refused = analysis.messages.find((m) => m.frame === rows[0]!.frame)!;
    assert.equal(refused.returnCode, 4);
    const suback = analysis.messages.find((m) => m.frame === rows[2]!.frame)!;
    assert.deepEqual(suback.granted, [0x80]);
    const teardown = analysis.phases.find((p) => p.stream === 1 && p.kind === "tcp-teardown")!;
    assert.equal(rows[4]!.frame, teardown.startFrame);
  }
});

test("qos0-1-2 and keepalive-ping: one connection after another, pings in between", async (t) => {
  for (const [name, streams] of [
    ["qos0-1-2", 3],
    ["keepalive-ping", 1],
  ] as const) {
    const file = fixture(t, `${name}.pcapng`);
    if (!file) return;
    const analysis = await analyzeCapture(file);
    const rows = matchDeviceLog(analysis, log(`${name}-device-log.jsonl`));
    assert.ok(rows.every((r) => r.frame !== undefined && r.note === undefined), rows.map((r) => r.note).join("; "));
    assert.equal(new Set(rows.map((r) => r.stream)).size, streams);
    // Frames follow the log's order.
    const frames = rows.map((r) => r.frame!);
    assert.deepEqual(frames, [...frames].sort((a, b) => a - b), name);
  }
});

test("entries without a frame say why", async (t) => {
  const file = fixture(t, "tutorial.pcapng");
  if (!file) return;
  const analysis = await analyzeCapture(file);
  const [online, subscribe, upstream] = log("tutorial-device-log.jsonl") as [DeviceLogEntry, DeviceLogEntry, DeviceLogEntry];
  const rows = matchDeviceLog(analysis, [
    { ...online, clientPort: 1 },
    { ...upstream, seq: 9, event: "downstream", status: "failed", reason: "the device is offline" },
    { ...upstream, seq: 10, topic: "/other/topic" },
    { ...subscribe, messageId: 65000 },
    // A second upstream for the one PUBLISH: the frame is already taken.
    upstream,
    { ...upstream, seq: 11 },
    // Ten minutes off: matched, with a warning.
    { ...online, timeMs: online.timeMs + 600_000 },
  ]);
  assert.match(rows[0]!.note!, /no TCP connection from 127\.0\.0\.1:1 in the capture/);
  assert.match(rows[1]!.note!, /not sent to the device: the device is offline/);
  assert.match(rows[2]!.note!, /no PUBLISH from the device on \/other\/topic/);
  assert.match(rows[3]!.note!, /no SUBACK with Packet Identifier 65000/);
  assert.equal(rows[4]!.frame, only(analysis, "PUBLISH").frame);
  assert.equal(rows[5]!.frame, undefined);
  assert.match(rows[5]!.note!, /no PUBLISH from the device/);
  assert.equal(rows[6]!.frame, only(analysis, "CONNACK").frame);
  assert.match(rows[6]!.note!, /(599|600)\.\d+ s apart/);
});

test("the columns render a table with Wireshark's field names", async (t) => {
  const file = fixture(t, "tutorial.pcapng");
  if (!file) return;
  const analysis = await analyzeCapture(file);
  const columns = deviceLogMatchColumns(analysis.capture.start);
  const text = renderTextTable(matchDeviceLog(analysis, log("tutorial-device-log.jsonl")), columns);
  const lines = text.split("\n");
  assert.match(lines[0]!, /^Log time +Event +Topic +Status +Frame +Packet +Stream +Log − frame +Note$/);
  assert.match(lines[2]!, /subscribe .* \d+→\d+ +SUBACK/);
  assert.deepEqual(
    columns.filter((c) => c.field).map((c) => c.field),
    ["frame.number", "tcp.stream"],
  );
});
