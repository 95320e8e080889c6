import { test } from "node:test";
import assert from "node:assert/strict";
import { MqttFramer, readFixedHeader, type PduSink } from "../../lib/mqtt/framer";
import { hex } from "../helpers/hex";

interface Seen {
  pdus: Array<{ hex: string; headerLength: number; frame: number; frames?: number[] }>;
  skips: Array<[number, string]>;
  resyncs: number[];
}

function sink(accept: (bytes: Uint8Array) => boolean = () => true): PduSink & Seen {
  const pdus: Seen["pdus"] = [];
  const skips: Seen["skips"] = [];
  const resyncs: Seen["resyncs"] = [];
  return {
    pdus,
    skips,
    resyncs,
    pdu(bytes: Uint8Array, start: number, end: number, headerLength: number, lastFrame: number, frames: number[] | undefined, tentative: boolean) {
      const pdu = bytes.subarray(start, end);
      if (tentative && !accept(pdu)) return false;
      pdus.push({ hex: Buffer.from(pdu).toString("hex"), headerLength, frame: lastFrame, ...(frames ? { frames: [...frames] } : {}) });
      return true;
    },
    skipped(count: number, _frame: number, reason: string) {
      skips.push([count, reason]);
    },
    resynchronised(count: number) {
      resyncs.push(count);
    },
  } as unknown as PduSink & Seen;
}

// PUBACK (id=1) and PINGREQ, then a PUBLISH with a 200-byte body, whose
// Remaining Length takes two bytes (0xc8 0x01 = 200).
const puback = "40 02 00 01";
const pingreq = "c0 00";
const bigPublish = Buffer.concat([Buffer.from([0x30, 0xc8, 0x01, 0x00, 0x01, 0x74]), Buffer.alloc(197, 0x61)]);

test("fixed header: Remaining Length of 1 to 4 bytes (MQTT §1.5.5)", () => {
  const out = new Int32Array(1);
  assert.equal(readFixedHeader(hex("30 00"), 0, 2, out), 2);
  assert.equal(out[0], 2);
  assert.equal(readFixedHeader(hex("30 c8 01"), 0, 3, out), 203);
  assert.equal(out[0], 3);
  assert.equal(readFixedHeader(hex("30 ff ff ff 7f"), 0, 5, out), 268435455 + 5);
  assert.equal(readFixedHeader(hex("30 ff ff ff ff 01"), 0, 6, out), -2, "a fifth length byte is malformed");
  assert.equal(readFixedHeader(hex("30 c8"), 0, 2, out), -1, "needs more bytes");
});

test("one segment carrying several packets yields each, as views", () => {
  const s = sink();
  const framer = new MqttFramer(s);
  const segment = hex(`${puback} ${pingreq} ${puback}`);
  framer.push(segment, 0, segment.length, 7);
  assert.deepEqual(
    s.pdus.map((p) => p.hex),
    ["40020001", "c000", "40020001"],
  );
  assert.ok(s.pdus.every((p) => p.frame === 7 && p.frames === undefined));
});

test("a packet split across segments, including inside its Remaining Length", () => {
  const s = sink();
  const framer = new MqttFramer(s);
  // Segment 1 ends after the first Remaining Length byte (0xc8, continuation bit set).
  framer.push(bigPublish, 0, 2, 1);
  assert.equal(s.pdus.length, 0);
  assert.equal(framer.partialType, 3);
  framer.push(bigPublish, 2, 100, 2);
  framer.push(bigPublish, 100, bigPublish.length, 3);
  assert.equal(s.pdus.length, 1);
  assert.equal(s.pdus[0].hex, bigPublish.toString("hex"));
  assert.equal(s.pdus[0].headerLength, 3);
  assert.deepEqual(s.pdus[0].frames, [1, 2, 3]);
  assert.equal(framer.hasPartial, false);
});

test("byte-by-byte delivery still frames exactly", () => {
  const s = sink();
  const framer = new MqttFramer(s);
  const stream = Buffer.concat([hex(puback), bigPublish, hex(pingreq)]);
  for (let i = 0; i < stream.length; i++) framer.push(stream, i, i + 1, i + 1);
  assert.deepEqual(
    s.pdus.map((p) => p.hex.length / 2),
    [4, bigPublish.length, 2],
  );
});

test("after a gap, framing resumes only at a segment that starts a plausible packet", () => {
  const s = sink();
  const framer = new MqttFramer(s);
  framer.push(bigPublish, 0, 50, 1);
  framer.gap();
  // Middle of the lost PUBLISH: 0x61 is type 6 (PUBREL) with flags 1, not the required 2.
  framer.push(bigPublish, 60, 120, 2);
  const next = hex(`${puback} ${pingreq}`);
  framer.push(next, 0, next.length, 3);
  assert.deepEqual(
    s.pdus.map((p) => p.hex),
    ["40020001", "c000"],
  );
  assert.deepEqual(s.skips, [[60, "resync"]]);
  assert.deepEqual(s.resyncs, [60]);
});

test("a tentative boundary the decoder rejects is skipped, never reported as a message", () => {
  const s = sink((pdu) => pdu[0] !== 0x40);
  const framer = new MqttFramer(s);
  framer.gap();
  const segment = hex(puback);
  framer.push(segment, 0, segment.length, 1);
  assert.equal(s.pdus.length, 0);
  const good = hex(pingreq);
  framer.push(good, 0, good.length, 2);
  assert.deepEqual(
    s.pdus.map((p) => p.hex),
    ["c000"],
  );
});

test("packets beyond the size limit are skipped without buffering them", () => {
  const s = sink();
  const framer = new MqttFramer(s, { maxPacketLength: 100 });
  const stream = Buffer.concat([bigPublish, hex(puback)]);
  framer.push(stream, 0, 150, 1);
  assert.equal(framer.hasPartial, false);
  framer.push(stream, 150, stream.length, 2);
  assert.deepEqual(s.skips, [[203, "too-large"]]);
  assert.deepEqual(
    s.pdus.map((p) => p.hex),
    ["40020001"],
  );
});

test("a Remaining Length of five bytes loses framing until the next boundary", () => {
  const s = sink();
  const framer = new MqttFramer(s);
  const bad = hex("30 ff ff ff ff 01 00");
  framer.push(bad, 0, bad.length, 1);
  assert.equal(s.skips[0][1], "malformed-length");
  assert.equal(framer.synced, false);
});

// A PUBLISH fixed header claiming 16,777,128 bytes, just under 16 MiB (Remaining Length
// 16,777,123 = 0xa3 0xff 0xff 0x07, four bytes), then `count` bytes of its body.
function hugeClaim(count: number): Uint8Array {
  return Buffer.concat([hex("30 a3 ff ff 07"), Buffer.alloc(count, 0x61)]);
}

test("a header that claims a huge packet reserves memory only as its bytes arrive", () => {
  const claim = hugeClaim(1000);
  assert.equal(readFixedHeader(claim, 0, claim.length, new Int32Array(1)), 16_777_128);
  // Many streams that each start such a packet and never finish it: before, each
  // reserved the whole claimed length (16 MiB) at once.
  const framers: MqttFramer[] = [];
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 32; i++) {
    const framer = new MqttFramer(sink());
    framer.push(claim, 0, claim.length, 1);
    assert.ok(framer.hasPartial);
    framers.push(framer);
  }
  const grown = process.memoryUsage().arrayBuffers - before;
  assert.ok(grown < 8 * 1024 * 1024, `32 claims of 16 MiB reserved ${grown} bytes`);
  for (const framer of framers) assert.ok(framer.reservedBytes <= 4096, `reserved ${framer.reservedBytes}`);
});

test("a packet spanning many segments grows to its claimed length and arrives whole", () => {
  const s = sink();
  const framer = new MqttFramer(s);
  // PUBLISH with a 300,000-byte Remaining Length (0xe0 0xa7 0x12), in 1448-byte segments.
  const body = Buffer.alloc(300_000);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
  const packet = Buffer.concat([hex("30 e0 a7 12"), body]);
  let frame = 0;
  for (let offset = 0; offset < packet.length; offset += 1448) {
    framer.push(packet, offset, Math.min(packet.length, offset + 1448), ++frame);
    if (framer.hasPartial) assert.ok(framer.reservedBytes <= Math.max(4096, 2 * framer.partialBytes), `reserved ${framer.reservedBytes} for ${framer.partialBytes} bytes`);
  }
  assert.equal(s.pdus.length, 1);
  assert.equal(s.pdus[0].hex, packet.toString("hex"));
  assert.equal(s.pdus[0].frames!.length, frame);
  assert.equal(framer.reservedBytes, 0);
});

test("a packet whose header is split across segments still grows from its held bytes", () => {
  const s = sink();
  const framer = new MqttFramer(s);
  const packet = Buffer.concat([hex("30 e0 a7 12"), Buffer.alloc(300_000, 0x62)]);
  framer.push(packet, 0, 2, 1); // two of the four header bytes
  framer.push(packet, 2, 5000, 2);
  assert.ok(framer.reservedBytes <= 2 * 5000, `reserved ${framer.reservedBytes}`);
  framer.push(packet, 5000, packet.length, 3);
  assert.deepEqual(s.pdus.map((p) => [p.hex === packet.toString("hex"), p.frames]), [[true, [1, 2, 3]]]);
});
