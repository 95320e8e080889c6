// Table tests of the TCP sequence analysis (lib/tcp/sequence-analysis.ts)
// from plain segment lists: no bytes, no capture, no MQTT. Each case is a
// conversation and the Info prefix Wireshark shows for each of its segments.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TcpFlag } from "../../lib/layers/tcp";
import { TcpDirection } from "../../lib/tcp/direction";
import { StreamReassembler } from "../../lib/tcp/reassembly";
import { acknowledgeSegment, analyzeSegmentHeader, classifySegmentPayload, sequenceAnalysisPrefix, SequenceAnalysis, SequenceFlag, type SequenceCounters } from "../../lib/tcp/sequence-analysis";
import { teardownEvent } from "../../lib/tcp/teardown";
import type { SegmentVerdictValue } from "../../lib/tcp/reassembly";

const C = 1000; // client ISN
const S = 5000; // server ISN

/** [side, seq, ack, flags (S, A, F, R, P), payload length, window]; frames are numbered from 1. */
type Segment = [side: "c" | "s", seq: number, ack: number, flags: string, length?: number, window?: number];

const handshake: Segment[] = [
  ["c", C, 0, "S"],
  ["s", S, C + 1, "SA"],
  ["c", C + 1, S + 1, "A"],
];
const quiet = ["", "", ""];

const flagBits: Record<string, number> = { S: TcpFlag.SYN, A: TcpFlag.ACK, F: TcpFlag.FIN, R: TcpFlag.RST, P: TcpFlag.PSH };
/** Payload bytes stand in as zeros: only their sequence numbers matter here. */
const zeros = new Uint8Array(64);
const ignore = { data() {}, gap() {} };

/** Runs the three steps as the connection does, with a reassembler per side (its verdict feeds step 2). */
function analyse(segments: Segment[]): { prefixes: string[]; flags: number[]; counters: SequenceCounters } {
  const client = new TcpDirection(true);
  const server = new TcpDirection(false);
  const counters: SequenceCounters = { retransmissions: 0, outOfOrder: 0, lostSegments: 0, duplicateAcks: 0 };
  const analysis = new SequenceAnalysis();
  const prefixes: string[] = [];
  const flags: number[] = [];
  segments.forEach(([side, seq, ack, flagText, length = 0, window = 1000], index) => {
    const frame = index + 1;
    const tcp = { seq, ack, window, flags: [...flagText].reduce((bits, letter) => bits | flagBits[letter], 0) };
    const [sender, receiver] = side === "c" ? [client, server] : [server, client];
    sender.packets++;
    analyzeSegmentHeader(sender, receiver, tcp, length, frame, undefined, counters, analysis);
    let verdict: SegmentVerdictValue | undefined;
    if (length > 0 && (analysis.flags & SequenceFlag.keepAlive) === 0) {
      if (!sender.reassembler) {
        sender.reassembler = new StreamReassembler(ignore);
        if (sender.sawSyn) sender.reassembler.start(sender.isn + 1);
      }
      verdict = sender.reassembler.push(analysis.dataSeq, zeros, 0, length, length, frame);
    }
    classifySegmentPayload(sender, receiver, tcp, length, verdict, counters, analysis);
    acknowledgeSegment(sender, receiver, tcp, length, counters, analysis);
    teardownEvent(sender, (tcp.flags & TcpFlag.FIN) !== 0, (tcp.flags & TcpFlag.RST) !== 0, seq, length, frame);
    prefixes.push(sequenceAnalysisPrefix(analysis));
    flags.push(analysis.flags);
  });
  return { prefixes, flags, counters };
}

const cases: Array<{ name: string; segments: Segment[]; prefixes: string[]; counters?: Partial<SequenceCounters> }> = [
  {
    name: "keep-alive: one byte before the next sequence number",
    segments: [...handshake, ["c", C + 1, S + 1, "PA", 4], ["s", S + 1, C + 5, "A"], ["c", C + 4, S + 1, "A", 1]],
    prefixes: [...quiet, "", "", "[TCP Keep-Alive] "],
  },
  {
    name: "zero window",
    segments: [...handshake, ["c", C + 1, S + 1, "PA", 4], ["s", S + 1, C + 5, "A", 0, 0]],
    prefixes: [...quiet, "", "[TCP ZeroWindow] "],
  },
  {
    name: "duplicate ACKs are numbered, and a new window is a window update",
    segments: [...handshake, ["c", C + 1, S + 1, "PA", 4], ["s", S + 1, C + 5, "A"], ["s", S + 1, C + 5, "A"], ["s", S + 1, C + 5, "A"], ["s", S + 1, C + 5, "A", 0, 2000]],
    prefixes: [...quiet, "", "", "[TCP Dup ACK 5#1] ", "[TCP Dup ACK 5#2] ", "[TCP Window Update] "],
    counters: { duplicateAcks: 2 },
  },
  {
    name: "fast retransmission: the bytes two duplicate ACKs asked for",
    segments: [...handshake, ["c", C + 1, S + 1, "PA", 4], ["s", S + 1, C + 5, "A"], ["c", C + 9, S + 1, "PA", 4], ["s", S + 1, C + 5, "A"], ["s", S + 1, C + 5, "A"], ["c", C + 5, S + 1, "PA", 4]],
    prefixes: [...quiet, "", "", "[TCP Previous segment not captured] ", "[TCP Dup ACK 5#1] ", "[TCP Dup ACK 5#2] ", "[TCP Fast Retransmission] "],
    counters: { retransmissions: 1, lostSegments: 1, duplicateAcks: 2, outOfOrder: 0 },
  },
  {
    name: "retransmission, and a spurious one once the receiver acknowledged the bytes",
    segments: [...handshake, ["c", C + 1, S + 1, "PA", 4], ["c", C + 1, S + 1, "PA", 4], ["s", S + 1, C + 5, "A"], ["c", C + 1, S + 1, "PA", 4]],
    prefixes: [...quiet, "", "[TCP Retransmission] ", "", "[TCP Spurious Retransmission] "],
    counters: { retransmissions: 2 },
  },
  {
    name: "out-of-order: new bytes that fill a hole",
    segments: [...handshake, ["c", C + 1, S + 1, "PA", 4], ["c", C + 9, S + 1, "PA", 4], ["c", C + 5, S + 1, "PA", 4]],
    prefixes: [...quiet, "", "[TCP Previous segment not captured] ", "[TCP Out-Of-Order] "],
    counters: { outOfOrder: 1, lostSegments: 1, retransmissions: 0 },
  },
  {
    name: "previous segment not captured: data, then a pure ACK, beyond what the side sent",
    segments: [...handshake, ["c", C + 1, S + 1, "PA", 4], ["c", C + 9, S + 1, "PA", 4], ["c", C + 20, S + 1, "A"]],
    prefixes: [...quiet, "", "[TCP Previous segment not captured] ", "[TCP Previous segment not captured] "],
    counters: { lostSegments: 2 },
  },
  {
    name: "ACKed unseen segment: flagged once per unseen stretch",
    segments: [...handshake, ["c", C + 1, S + 1, "PA", 4], ["s", S + 1, C + 9, "A"], ["s", S + 1, C + 9, "PA", 3], ["s", S + 4, C + 13, "A"]],
    prefixes: [...quiet, "", "[TCP ACKed unseen segment] ", "", "[TCP ACKed unseen segment] "],
  },
  {
    name: "SYN and FIN sent again are retransmissions",
    segments: [["c", C, 0, "S"], ["c", C, 0, "S"], ["s", S, C + 1, "SA"], ["c", C + 1, S + 1, "A"], ["c", C + 1, S + 1, "FA"], ["c", C + 1, S + 1, "FA"]],
    prefixes: ["", "[TCP Retransmission] ", "", "", "", "[TCP Retransmission] "],
    counters: { retransmissions: 2 },
  },
];

for (const { name, segments, prefixes, counters } of cases) {
  test(`sequence analysis: ${name}`, () => {
    const result = analyse(segments);
    assert.deepEqual(result.prefixes, prefixes);
    for (const [counter, value] of Object.entries(counters ?? {})) assert.equal(result.counters[counter as keyof SequenceCounters], value, counter);
  });
}

test("sequence analysis: the ACK of a FIN is reported once", () => {
  const { flags } = analyse([...handshake, ["c", C + 1, S + 1, "FA"], ["s", S + 1, C + 2, "A"], ["s", S + 1, C + 2, "A"]]);
  assert.deepEqual(
    flags.map((bits) => (bits & SequenceFlag.finAcked) !== 0),
    [false, false, false, false, true, false],
  );
});
