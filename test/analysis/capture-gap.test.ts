// After a capture gap in one direction, the first whole MQTT packet of the
// next segment belongs to the frame that carries it, as in Wireshark; when
// the missing bytes turn up after all, they are out of order and, as in
// Wireshark, not decoded.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { PacketType } from "../../lib/mqtt/constants";
import { conversationPcap, type SegmentSpec } from "../helpers/packet-builder";
import { tsharkMqtt, type TsharkMessage } from "../helpers/tshark";
import { needTool } from "../helpers/tools";

const C = 1000;
const S = 5000;
// CONNECT (3.1.1, clientId "c"), CONNACK, and PUBLISH QoS 0 "t/a" etc. with a 1-byte payload.
const connect = Buffer.from("100d00044d5154540402003c000163", "hex");
const connack = Buffer.from("20020000", "hex");
const publish = (name: string) => Buffer.concat([Buffer.from([0x30, 6, 0, 3]), Buffer.from(`t/${name}x`, "latin1")]);
const P = publish("a").length; // 8

function conversation(lost: boolean): SegmentSpec[] {
  const base = C + 1 + connect.length;
  const segments: SegmentSpec[] = [
    { fromClient: true, seq: C, flags: "S", at: 0 },
    { fromClient: false, seq: S, ack: C + 1, flags: "SA", at: 10 },
    { fromClient: true, seq: C + 1, ack: S + 1, flags: "A", at: 20 },
    { fromClient: true, seq: C + 1, ack: S + 1, flags: "PA", payload: connect, at: 30 },
    { fromClient: false, seq: S + 1, ack: base, flags: "PA", payload: connack, at: 40 },
    // "a" at `base` is missing here: lost, or late (below).
    { fromClient: true, seq: base + P, ack: S + 5, flags: "PA", payload: publish("b"), at: 60 },
  ];
  if (!lost) segments.push({ fromClient: true, seq: base, ack: S + 5, flags: "PA", payload: publish("a"), at: 65 });
  segments.push(
    { fromClient: false, seq: S + 5, ack: base + 2 * P, flags: "A", at: 70 },
    { fromClient: true, seq: base + 2 * P, ack: S + 5, flags: "PA", payload: publish("c"), at: 80 },
    { fromClient: false, seq: S + 5, ack: base + 3 * P, flags: "A", at: 90 },
  );
  return segments;
}

function write(name: string, segments: SegmentSpec[]): string {
  const file = join(mkdtempSync(join(tmpdir(), "iwl-gap-")), name);
  writeFileSync(file, conversationPcap(segments));
  return file;
}

test("after a capture gap, the next segment's PUBLISH is attributed to the frame that carries it", async () => {
  const analysis = await analyzeCapture(write("lost.pcap", conversation(true)));
  assert.deepEqual(
    analysis.messages.map((m) => `${m.frame} ${m.type} ${m.topic ?? ""}`),
    ["4 CONNECT ", "5 CONNACK ", "6 PUBLISH t/b", "8 PUBLISH t/c"],
  );
  assert.match(analysis.packets[5]!.info, /^\[TCP Previous segment not captured\] Publish Message \[t\/b\]$/);
  assert.equal(analysis.packets[5]!.phase, "publish");
  assert.ok(analysis.issues.some((i) => i.code === "tcp.reassembly_gap"));
});

test("when the missing bytes arrive after the segment that followed them, they are an out-of-order segment, as in Wireshark", async () => {
  const analysis = await analyzeCapture(write("late.pcap", conversation(false)));
  assert.deepEqual(
    analysis.messages.map((m) => `${m.frame} ${m.type} ${m.topic ?? ""}`),
    ["4 CONNECT ", "5 CONNACK ", "6 PUBLISH t/b", "9 PUBLISH t/c"],
  );
  assert.match(analysis.packets[6]!.info, /^\[TCP Out-Of-Order\] 40000 → 1883 \[PSH, ACK\] Seq=16 Ack=5 Win=1000 Len=8$/);
  assert.ok(analysis.issues.some((i) => i.code === "tcp.out_of_order" && i.frame === 7));
});

test("tshark attributes the same MQTT messages to the same frames, with a lost and with a late segment", async (t) => {
  const tshark = needTool(t, "tshark");
  if (!tshark) return;
  for (const [name, lost] of [["lost.pcap", true], ["late.pcap", false]] as const) {
    const file = write(name, conversation(lost));
    const analysis = await analyzeCapture(file);
    const theirs: TsharkMessage[] = tsharkMqtt(tshark, file, [1883]).messages;
    assert.deepEqual(
      analysis.messages.map((m) => `${m.frame} ${m.type === "RESERVED" ? 0 : PacketType[m.type]} ${m.topic ?? ""}`),
      theirs.map((m: TsharkMessage) => `${m.frame} ${m.type} ${m.topic ?? ""}`),
      name,
    );
  }
});
