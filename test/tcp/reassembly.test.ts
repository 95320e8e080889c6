import { test } from "node:test";
import assert from "node:assert/strict";
import { SegmentVerdict, StreamReassembler, type ReassemblySink } from "../../lib/tcp/reassembly";

/** Records what the reassembler delivers, as text ("abc") and gaps ("<3>"). */
function recorder(): ReassemblySink & { out: string[]; frames: number[] } {
  const out: string[] = [];
  const frames: number[] = [];
  return {
    out,
    frames,
    data(bytes, start, end, frame) {
      out.push(Buffer.from(bytes.subarray(start, end)).toString("latin1"));
      frames.push(frame);
    },
    gap(length) {
      out.push(`<${length}>`);
    },
  };
}

type Step = [seq: number, data: string, verdict: keyof typeof SegmentVerdict, wireLength?: number];

/** Table tests: each row is a sequence of segments and what must come out. */
const cases: Array<{ name: string; isn: number; steps: Step[]; delivered: string; flush?: boolean; acks?: Array<[afterStep: number, ack: number]> }> = [
  {
    name: "in order",
    isn: 100,
    steps: [
      [101, "abc", "inOrder"],
      [104, "def", "inOrder"],
    ],
    delivered: "abc|def",
  },
  {
    name: "retransmission is dropped",
    isn: 100,
    steps: [
      [101, "abc", "inOrder"],
      [101, "abc", "retransmission"],
      [104, "de", "inOrder"],
    ],
    delivered: "abc|de",
  },
  {
    name: "reordered segments are delivered in sequence order",
    isn: 0,
    steps: [
      [1, "ab", "inOrder"],
      [5, "ef", "previousSegmentNotCaptured"],
      [3, "cd", "outOfOrder"],
      [7, "g", "inOrder"],
    ],
    delivered: "ab|cd|ef|g",
  },
  {
    name: "overlapping retransmission delivers only the new tail",
    isn: 0,
    steps: [
      [1, "abcd", "inOrder"],
      [3, "cdef", "partialRetransmission"],
    ],
    delivered: "abcd|ef",
  },
  {
    name: "a hole never filled is declared lost at the end",
    isn: 0,
    steps: [
      [1, "ab", "inOrder"],
      [6, "fg", "previousSegmentNotCaptured"],
    ],
    delivered: "ab|<3>|fg",
    flush: true,
  },
  {
    name: "the receiver acknowledging past a hole ends the wait",
    isn: 0,
    steps: [
      [1, "ab", "inOrder"],
      [6, "fg", "previousSegmentNotCaptured"],
      [8, "h", "inOrder"],
    ],
    acks: [[1, 8]],
    delivered: "ab|<3>|fg|h",
  },
  {
    name: "snapshot-length truncation becomes a gap of the missing bytes",
    isn: 0,
    steps: [
      [1, "ab", "inOrder", 5],
      [6, "f", "inOrder"],
    ],
    delivered: "ab|<3>|f",
  },
  {
    name: "sequence numbers wrap past 2^32",
    isn: 0xfffffffd,
    steps: [
      [0xfffffffe, "ab", "inOrder"],
      [0, "cd", "inOrder"],
    ],
    delivered: "ab|cd",
  },
];

for (const c of cases) {
  test(`reassembly: ${c.name}`, () => {
    const sink = recorder();
    const reassembler = new StreamReassembler(sink);
    reassembler.start((c.isn + 1) >>> 0);
    c.steps.forEach(([seq, data, verdict, wireLength], index) => {
      const bytes = Buffer.from(data, "latin1");
      const got = reassembler.push(seq, bytes, 0, bytes.length, wireLength ?? bytes.length, index + 1);
      assert.equal(got, SegmentVerdict[verdict], `step ${index + 1} (${data}): expected ${verdict}`);
      for (const [after, ack] of c.acks ?? []) if (after === index) reassembler.peerAcknowledged(ack);
    });
    if (c.flush) reassembler.flush();
    assert.equal(sink.out.join("|"), c.delivered);
  });
}

test("held segments are copies: reusing the capture buffer does not corrupt them", () => {
  const sink = recorder();
  const reassembler = new StreamReassembler(sink);
  reassembler.start(1);
  const buffer = Buffer.from("cd", "latin1");
  reassembler.push(3, buffer, 0, 2, 2, 1);
  buffer.write("XX", "latin1");
  reassembler.push(1, Buffer.from("ab"), 0, 2, 2, 2);
  assert.equal(sink.out.join("|"), "ab|cd");
});

test("buffering is bounded: too many early segments declare the hole lost", () => {
  const sink = recorder();
  const reassembler = new StreamReassembler(sink, { maxPendingSegments: 3, maxPendingBytes: 1 << 20 });
  reassembler.start(1);
  for (let i = 0; i < 4; i++) reassembler.push(10 + i, Buffer.from("x"), 0, 1, 1, i + 1);
  assert.equal(sink.out.join(""), "<9>xxxx");
  assert.equal(reassembler.lostBytes, 9);
});

test("the first data of a stream whose SYN was not seen starts the stream", () => {
  const sink = recorder();
  const reassembler = new StreamReassembler(sink);
  assert.equal(reassembler.push(5000, Buffer.from("hi"), 0, 2, 2, 1), SegmentVerdict.firstData);
  assert.equal(reassembler.push(5002, Buffer.from("!"), 0, 1, 1, 2), SegmentVerdict.inOrder);
  assert.equal(sink.out.join(""), "hi!");
});

test("track-only mode classifies without buffering or delivering", () => {
  const sink = recorder();
  const reassembler = new StreamReassembler(sink);
  reassembler.trackOnly = true;
  reassembler.start(1);
  assert.equal(reassembler.push(1, Buffer.from("ab"), 0, 2, 2, 1), SegmentVerdict.inOrder);
  assert.equal(reassembler.push(1, Buffer.from("ab"), 0, 2, 2, 2), SegmentVerdict.retransmission);
  assert.equal(reassembler.push(9, Buffer.from("z"), 0, 1, 1, 3), SegmentVerdict.previousSegmentNotCaptured);
  assert.deepEqual(sink.out, []);
});

test("giveUpHole: the held segment is delivered at once; the hole's bytes arriving later are out of order, not delivered", () => {
  const sink = recorder();
  const reassembler = new StreamReassembler(sink);
  reassembler.start(1);
  const push = (seq: number, data: string, frame: number) => reassembler.push(seq, Buffer.from(data, "latin1"), 0, data.length, data.length, frame);
  assert.equal(push(1, "ab", 1), SegmentVerdict.inOrder);
  assert.equal(push(6, "fg", 2), SegmentVerdict.previousSegmentNotCaptured);
  reassembler.giveUpHole();
  assert.equal(sink.out.join("|"), "ab|<3>|fg");
  assert.deepEqual(sink.frames, [1, 2]);
  assert.equal(push(3, "cde", 3), SegmentVerdict.outOfOrder);
  assert.equal(push(3, "cde", 4), SegmentVerdict.outOfOrder); // still inside the abandoned hole
  assert.equal(push(1, "ab", 5), SegmentVerdict.retransmission);
  assert.equal(push(8, "h", 6), SegmentVerdict.inOrder);
  assert.equal(sink.out.join("|"), "ab|<3>|fg|h");
});
