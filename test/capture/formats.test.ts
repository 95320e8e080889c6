// The readers and link decoders, checked by re-encoding frames of real
// captures in every format, byte order, resolution and link type we claim to
// read: the analysis must come out the same each time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { readFrames } from "../../lib/capture/frames";
import type { Frame } from "../../lib/capture/frame";
import type { Analysis } from "../../lib/analysis/types";
import { writePcap, writePcapng, type WrittenFrame } from "../helpers/capture-writer";
import { fixtureDir } from "../helpers/fixtures";
import { publicCapturesDir } from "../helpers/tools";

/**
 * Classic pcap captures with Ethernet framing and microsecond timestamps: the
 * sources every other encoding is made from (the re-encodings strip the
 * 14-byte Ethernet header and compare times to the microsecond).
 */
function sourceCaptures(): string[] {
  const files: string[] = [];
  for (const dir of [fixtureDir, publicCapturesDir]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (!name.endsWith(".pcap")) continue;
      const head = readFileSync(join(dir, name)).subarray(0, 24);
      const microsecondsLE = head.readUInt32LE(0) === 0xa1b2c3d4;
      if (microsecondsLE && head.readUInt32LE(20) === 1) files.push(join(dir, name));
    }
  }
  return files.sort();
}

async function ethernetFrames(file: string): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of readFrames(file)) frames.push(frame);
  return frames;
}

/** What must not change with the encoding. */
function essence(analysis: Analysis) {
  return {
    messages: analysis.messages.map((m) => `${m.frame} ${m.stream} ${m.direction} ${m.type} ${m.messageId ?? ""} ${m.topic ?? ""} ${m.time.toFixed(6)}`),
    phases: analysis.phases.map((p) => `${p.stream} ${p.kind} ${p.status} ${p.frames.join(",")}`),
    connections: analysis.connections.map((c) => `${c.stream} ${c.client}:${c.clientPort} ${c.server}:${c.serverPort} ${c.protocol}`),
    info: analysis.packets.map((p) => `${p.frame} ${p.protocol} ${p.info}`),
  };
}

type Converter = (frame: Frame) => { bytes: Uint8Array; originalLength: number };

/** Strip the 14-byte Ethernet header and prepend another link header for the same payload. */
function relink(prefix: (etherType: number) => Uint8Array): Converter {
  return (frame) => {
    const etherType = (frame.bytes[12] << 8) | frame.bytes[13];
    const head = prefix(etherType);
    const bytes = new Uint8Array(head.length + frame.bytes.length - 14);
    bytes.set(head, 0);
    bytes.set(frame.bytes.subarray(14), head.length);
    return { bytes, originalLength: frame.originalLength - 14 + head.length };
  };
}

const isV6 = (etherType: number) => etherType === 0x86dd;
const linkTypes: Array<{ name: string; linkType: number; convert: Converter }> = [
  { name: "BSD loopback NULL, little-endian host (macOS lo0)", linkType: 0, convert: relink((t) => Uint8Array.of(isV6(t) ? 30 : 2, 0, 0, 0)) },
  { name: "BSD loopback NULL, big-endian host", linkType: 0, convert: relink((t) => Uint8Array.of(0, 0, 0, isV6(t) ? 24 : 2)) },
  { name: "OpenBSD LOOP", linkType: 108, convert: relink((t) => Uint8Array.of(0, 0, 0, isV6(t) ? 24 : 2)) },
  { name: "raw IP (101)", linkType: 101, convert: relink(() => new Uint8Array(0)) },
  {
    name: "Linux cooked SLL (113)",
    linkType: 113,
    convert: relink((t) => Uint8Array.of(0, 4, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, t >> 8, t & 0xff)),
  },
  {
    name: "Linux cooked SLL2 (276)",
    linkType: 276,
    convert: relink((t) => Uint8Array.of(t >> 8, t & 0xff, 0, 0, 0, 0, 0, 1, 0x03, 0x04, 4, 6, 0, 0, 0, 0, 0, 0, 0, 0)),
  },
  {
    name: "Ethernet with an 802.1Q VLAN tag",
    linkType: 1,
    convert: (frame) => {
      const bytes = new Uint8Array(frame.bytes.length + 4);
      bytes.set(frame.bytes.subarray(0, 12), 0);
      bytes.set([0x81, 0x00, 0x00, 0x2a], 12);
      bytes.set(frame.bytes.subarray(12), 16);
      return { bytes, originalLength: frame.originalLength + 4 };
    },
  },
];

function written(frames: Frame[], convert?: Converter): WrittenFrame[] {
  return frames.map((frame) => {
    const converted = convert ? convert(frame) : { bytes: frame.bytes, originalLength: frame.originalLength };
    return { seconds: frame.seconds, nanos: frame.nanos, ...converted };
  });
}

for (const file of sourceCaptures()) {
  const name = file.split("/").slice(-1)[0];

  test(`${name}: pcap in both byte orders and both resolutions reads the same`, async () => {
    const frames = await ethernetFrames(file);
    const expected = essence(await analyzeCapture(file));
    assert.ok(expected.messages.length > 0);
    for (const littleEndian of [true, false]) {
      for (const nanosecond of [false, true]) {
        const bytes = writePcap(written(frames), { littleEndian, nanosecond, linkType: 1 });
        const analysis = await analyzeCapture(bytes);
        assert.equal(analysis.capture.byteOrder, littleEndian ? "little-endian" : "big-endian");
        assert.equal(analysis.capture.timestampPrecision, nanosecond ? "nanoseconds" : "microseconds");
        assert.deepEqual(essence(analysis), expected, `littleEndian=${littleEndian} nanosecond=${nanosecond}`);
      }
    }
  });

  test(`${name}: pcapng (both byte orders, µs/ns/binary resolutions, extra blocks) reads the same`, async () => {
    const frames = await ethernetFrames(file);
    const expected = essence(await analyzeCapture(file));
    const variants = [
      { littleEndian: true, tsresol: undefined, binary: false, extraBlocks: false },
      { littleEndian: false, tsresol: 9, binary: false, extraBlocks: true },
      { littleEndian: true, tsresol: 9, binary: false, extraBlocks: true },
      { littleEndian: true, tsresol: 20, binary: true, extraBlocks: false },
    ];
    for (const v of variants) {
      const bytes = writePcapng([{ linkType: 1, tsresol: v.tsresol, binary: v.binary, name: "lo" }], written(frames), v);
      const analysis = await analyzeCapture(bytes);
      assert.equal(analysis.capture.format, "pcapng");
      assert.equal(analysis.capture.interfaces[0].name, "lo");
      assert.equal(analysis.capture.application, "iot-wire-lab tests");
      if (v.binary) {
        // 2^-20 s units cannot hold every microsecond exactly: compare all but time.
        const strip = (e: ReturnType<typeof essence>) => ({ ...e, messages: e.messages.map((m) => m.replace(/ [0-9.]+$/, "")) });
        assert.deepEqual(strip(essence(analysis)), strip(expected), JSON.stringify(v));
      } else {
        assert.deepEqual(essence(analysis), expected, JSON.stringify(v));
      }
    }
  });

  test(`${name}: every supported link type decodes to the same analysis`, async () => {
    const frames = await ethernetFrames(file);
    const expected = essence(await analyzeCapture(file));
    for (const { name: linkName, linkType, convert } of linkTypes) {
      const analysis = await analyzeCapture(writePcap(written(frames, convert), { littleEndian: true, nanosecond: false, linkType }));
      const got = essence(analysis);
      assert.deepEqual(got.messages, expected.messages, linkName);
      assert.deepEqual(got.phases, expected.phases, linkName);
      assert.deepEqual(got.info, expected.info, linkName);
    }
  });
}

test("pcapng with two interfaces of different link types: frames keep their own link type", async () => {
  // Two Ethernet captures (fixtures are always there), the second re-framed as raw IP.
  const a = await ethernetFrames(join(fixtureDir, "tutorial.pcapng"));
  const b = await ethernetFrames(join(fixtureDir, "qos0-1-2.pcapng"));
  assert.equal(a[0].linkType, 1);
  assert.equal(b[0].linkType, 1);
  const raw = relink(() => new Uint8Array(0));
  // Interleave by time, as dumpcap does when capturing on two interfaces.
  const merged: WrittenFrame[] = [...written(a).map((f) => ({ ...f, interfaceId: 0 })), ...written(b, raw).map((f) => ({ ...f, interfaceId: 1 }))].sort((x, y) => x.seconds - y.seconds || x.nanos - y.nanos);
  const analysis = await analyzeCapture(writePcapng([{ linkType: 1, tsresol: 9 }, { linkType: 101, tsresol: 9 }], merged, { littleEndian: true }));
  assert.deepEqual(
    analysis.capture.interfaces.map((i) => i.linkType),
    [1, 101],
  );
  const single = [await analyzeCapture(join(fixtureDir, "tutorial.pcapng")), await analyzeCapture(join(fixtureDir, "qos0-1-2.pcapng"))];
  assert.equal(analysis.messages.length, single[0].messages.length + single[1].messages.length);
  assert.equal(analysis.connections.length, single[0].connections.length + single[1].connections.length);
  assert.equal(analysis.issues.filter((i) => i.code === "link.malformed" || i.code === "ip.malformed").length, 0);
});

test("pcapng Simple Packet Blocks (no timestamp, interface 0) are read", async () => {
  const files = [join(fixtureDir, "tutorial.pcap")];
  const frames = await ethernetFrames(files[0]);
  const analysis = await analyzeCapture(writePcapng([{ linkType: 1 }], written(frames), { littleEndian: true, simplePackets: true }));
  assert.equal(analysis.capture.frames, frames.length);
  assert.equal(analysis.messages.length, (await analyzeCapture(files[0])).messages.length);
});

test("nanosecond timestamps above 2^53 units keep every digit", async () => {
  const frame: WrittenFrame = { seconds: 1764155123, nanos: 987654321, bytes: new Uint8Array(60), originalLength: 60 };
  const bytes = writePcapng([{ linkType: 1, tsresol: 9 }], [frame], { littleEndian: true });
  const frames: Frame[] = [];
  for await (const f of readFrames(bytes)) frames.push(f);
  assert.equal(frames[0].seconds, 1764155123);
  assert.equal(frames[0].nanos, 987654321);
});
