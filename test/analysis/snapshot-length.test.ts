// A capture made with a snapshot length (`tcpdump -s 80`): MQTT packets cut
// short still appear, as in Wireshark ("Connect Command [Packet size limited
// during capture]"), with their type, the fields that were captured and
// their phase.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { conversationPcap, type SegmentSpec } from "../helpers/packet-builder";
import { tsharkMqtt, tsharkPacketList } from "../helpers/tshark";
import { needTool } from "../helpers/tools";

const C = 1000;
const S = 5000;
const SNAP = 80; // Ethernet 14 + IPv4 20 + TCP 20 = 54 header bytes: 26 bytes of MQTT per frame

function utf8(text: string): Buffer {
  return Buffer.concat([Buffer.from([text.length >> 8, text.length & 0xff]), Buffer.from(text, "utf8")]);
}
function packet(firstByte: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([firstByte, body.length]), body]); // bodies < 128 bytes
}

// CONNECT (3.1.1): "MQTT", level 4, flags user+password+clean, keep-alive 60, clientId, username, password.
const connect = packet(0x10, Buffer.concat([utf8("MQTT"), Buffer.from([4, 0xc2, 0, 60]), utf8("device-0001"), utf8("device1&a1B2c3D4e5F"), utf8("0123456789abcdef0123456789abcdef")]));
const connack = Buffer.from("20020000", "hex");
// PUBLISH QoS 1, id 7, a JSON payload longer than the snapshot leaves.
const publish = packet(0x32, Buffer.concat([utf8("/pk/dev/user/update"), Buffer.from([0, 7]), Buffer.from('{"temperature":21.5,"humidity":40}')]));
const puback = Buffer.from("40020007", "hex");

const segments: SegmentSpec[] = [
  { fromClient: true, seq: C, flags: "S", at: 0 },
  { fromClient: false, seq: S, ack: C + 1, flags: "SA", at: 10 },
  { fromClient: true, seq: C + 1, ack: S + 1, flags: "A", at: 20 },
  { fromClient: true, seq: C + 1, ack: S + 1, flags: "PA", payload: connect, at: 30 },
  { fromClient: false, seq: S + 1, ack: C + 1 + connect.length, flags: "PA", payload: connack, at: 40 },
  { fromClient: true, seq: C + 1 + connect.length, ack: S + 5, flags: "PA", payload: publish, at: 50 },
  { fromClient: false, seq: S + 5, ack: C + 1 + connect.length + publish.length, flags: "PA", payload: puback, at: 60 },
];

function capture(): string {
  const file = join(mkdtempSync(join(tmpdir(), "iwl-snaplen-")), "snaplen-80.pcap");
  writeFileSync(file, conversationPcap(segments, 40000, 1883, SNAP));
  return file;
}

test("a CONNECT and a PUBLISH cut by the snapshot length are messages marked truncated, with the fields that fit, in their phases", async () => {
  const analysis = await analyzeCapture(capture());
  assert.deepEqual(
    analysis.messages.map((m) => `${m.frame} ${m.type}${m.truncated ? " truncated" : ""}`),
    ["4 CONNECT truncated", "5 CONNACK", "6 PUBLISH truncated", "7 PUBACK"],
  );
  const [connectMessage, , publishMessage] = analysis.messages;
  assert.equal(connectMessage!.clientId, "device-0001");
  assert.equal(connectMessage!.protocolVersion, 4);
  assert.equal(connectMessage!.keepalive, 60);
  assert.equal(connectMessage!.length, connect.length);
  assert.equal(connectMessage!.password, undefined);
  assert.equal(publishMessage!.topic, "/pk/dev/user/update");
  assert.equal(publishMessage!.messageId, 7);
  assert.equal(publishMessage!.qos, 1);
  assert.deepEqual(
    analysis.phases.map((p) => `${p.kind} ${p.status} ${p.steps.map((s) => s.frame).join(",")}`),
    ["tcp-handshake complete 1,2,3", "connect complete 4,5", "publish complete 6,7"],
  );
  assert.match(analysis.packets[3]!.info, /^Connect Command\[Packet size limited during capture\]$/);
  assert.equal(analysis.packets[3]!.phase, "connect");
});

test("tshark shows the same MQTT messages and Info column on the snapshot-length capture", async (t) => {
  const tshark = needTool(t, "tshark");
  if (!tshark) return;
  const file = capture();
  const analysis = await analyzeCapture(file);
  const theirs = tsharkMqtt(tshark, file, [1883]).messages;
  assert.deepEqual(
    analysis.messages.map((m) => `${m.frame} ${m.type === "RESERVED" ? 0 : m.type}`),
    theirs.map((m) => `${m.frame} ${["", "CONNECT", "CONNACK", "PUBLISH", "PUBACK"][m.type]}`),
  );
  const rows = tsharkPacketList(tshark, file, [1883]);
  for (const frame of [4, 6]) assert.equal(analysis.packets[frame - 1]!.info, rows[frame - 1]!.info, `frame ${frame}`);
});
