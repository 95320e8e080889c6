// TCP sequence analysis on crafted edge cases, checked against tshark's own
// analysis of the same bytes: the Info column must be identical.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { conversationPcap, type SegmentSpec } from "../helpers/packet-builder";
import { tsharkPacketList } from "../helpers/tshark";
import { needTool } from "../helpers/tools";

const C = 1000; // client ISN
const S = 5000; // server ISN

/** A conversation with every analysis flag we implement, in order. */
const segments: Array<SegmentSpec & { expect: RegExp }> = [
  { fromClient: true, seq: C, flags: "S", at: 0, expect: /\[SYN\] Seq=0/ },
  { fromClient: false, seq: S, ack: C + 1, flags: "SA", at: 100, expect: /\[SYN, ACK\] Seq=0 Ack=1/ },
  { fromClient: true, seq: C + 1, ack: S + 1, flags: "A", at: 200, expect: /\[ACK\] Seq=1 Ack=1 Win=1000 Len=0$/ },
  { fromClient: true, seq: C + 1, ack: S + 1, flags: "PA", payload: "abcd", at: 300, expect: /\[PSH, ACK\] Seq=1 Ack=1 Win=1000 Len=4$/ },
  { fromClient: false, seq: S + 1, ack: C + 5, flags: "A", at: 400, expect: /^\d+ → \d+ \[ACK\] Seq=1 Ack=5/ },
  { fromClient: false, seq: S + 1, ack: C + 5, flags: "A", at: 500, expect: /^\[TCP Dup ACK 5#1\]/ },
  { fromClient: false, seq: S + 1, ack: C + 5, flags: "A", at: 600, expect: /^\[TCP Dup ACK 5#2\]/ },
  { fromClient: false, seq: S + 1, ack: C + 5, flags: "A", window: 2000, at: 700, expect: /^\[TCP Window Update\]/ },
  { fromClient: true, seq: C + 1, ack: S + 1, flags: "PA", payload: "abcd", at: 800, expect: /^\[TCP (Spurious )?Retransmission\]/ },
  { fromClient: true, seq: C + 9, ack: S + 1, flags: "PA", payload: "ijkl", at: 900, expect: /^\[TCP Previous segment not captured\]/ },
  { fromClient: true, seq: C + 5, ack: S + 1, flags: "PA", payload: "efgh", at: 950, expect: /^\[TCP Fast Retransmission\]/ },
  { fromClient: false, seq: S + 1, ack: C + 13, flags: "A", window: 0, at: 1000, expect: /^\[TCP ZeroWindow\]/ },
  { fromClient: true, seq: C + 12, ack: S + 1, flags: "A", at: 1100, expect: /^\[TCP Keep-Alive\]/ },
  { fromClient: true, seq: C + 13, ack: S + 1, flags: "FA", at: 1200, expect: /\[FIN, ACK\] Seq=13 Ack=1/ },
  { fromClient: false, seq: S + 1, ack: C + 14, flags: "FA", window: 2000, at: 1300, expect: /\[FIN, ACK\] Seq=1 Ack=14/ },
  { fromClient: true, seq: C + 14, ack: S + 2, flags: "A", at: 1400, expect: /\[ACK\] Seq=14 Ack=2/ },
];

// A port nothing decodes, so both tools show plain TCP.
const PORT = 39999;

function capture(): Uint8Array {
  return conversationPcap(segments, 40000, PORT);
}

test("sequence analysis flags: duplicate ACKs, window update, retransmission, gaps, out-of-order, zero window, keep-alive", async () => {
  const analysis = await analyzeCapture(capture());
  segments.forEach((s, i) => assert.match(analysis.packets[i].info, s.expect, `frame ${i + 1}: ${analysis.packets[i].info}`));
  const codes = analysis.issues.map((issue) => `${issue.frame} ${issue.code}`);
  for (const expected of ["6 tcp.duplicate_ack", "7 tcp.duplicate_ack", "10 tcp.previous_segment_not_captured", "11 tcp.fast_retransmission", "12 tcp.zero_window", "13 tcp.keep_alive"]) {
    assert.ok(codes.includes(expected), `${expected} in ${codes.join(", ")}`);
  }
  const connection = analysis.connections[0];
  assert.equal(connection.duplicateAcks, 2);
  assert.equal(connection.state, "closed");
});

test("an ACK captured after later data from its side is not a duplicate ACK (loopback reordering)", async () => {
  const reordered: SegmentSpec[] = [
    { fromClient: true, seq: C, flags: "S", at: 0 },
    { fromClient: false, seq: S, ack: C + 1, flags: "SA", at: 10 },
    { fromClient: true, seq: C + 1, ack: S + 1, flags: "A", at: 20 },
    { fromClient: true, seq: C + 1, ack: S + 1, flags: "PA", payload: "connect", at: 30 },
    // The server's answer is captured before its pure ACK of the request.
    { fromClient: false, seq: S + 1, ack: C + 8, flags: "PA", payload: "ok", at: 40 },
    { fromClient: false, seq: S + 1, ack: C + 8, flags: "A", at: 41 },
  ];
  const bytes = conversationPcap(reordered, 40000, PORT);
  const analysis = await analyzeCapture(bytes);
  assert.doesNotMatch(analysis.packets[5].info, /Dup ACK/);
});

test("tshark's TCP analysis gives the same Info column on the crafted conversation", async (t) => {
  const tshark = needTool(t, "tshark");
  if (!tshark) return;
  const dir = mkdtempSync(join(tmpdir(), "iwl-tcp-"));
  const file = join(dir, "edge-cases.pcap");
  writeFileSync(file, capture());
  const theirs = tsharkPacketList(tshark, file, []).map((row) => row.info);
  const analysis = await analyzeCapture(file);
  assert.deepEqual(
    analysis.packets.map((p) => p.info),
    theirs,
  );
});
