// Bad input never crashes the analysis: damaged, truncated and hostile
// captures yield what can be read plus issues, like Wireshark's expert info.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { CaptureFileError } from "../../lib/capture/errors";
import { expertInfo } from "../../lib/expert/issues";
import { captureFiles, fixtureDir } from "../helpers/fixtures";

/** A small capture that is always there: the tutorial fixture (Ethernet, MQTT 3.1.1 on 1883). */
const tutorial = join(fixtureDir, "tutorial.pcap");
import { writePcap, writePcapng } from "../helpers/capture-writer";
import { tcpFrame } from "../helpers/packet-builder";
import { Analyzer } from "../../lib/analysis/analyzer";
import { readCapture } from "../../lib/capture/reader";
import { flipBytes, seededRandom } from "../helpers/mutation";


async function mustNotThrow(bytes: Uint8Array, label: string): Promise<void> {
  try {
    const analysis = await analyzeCapture(bytes);
    for (const issue of analysis.issues) {
      assert.ok(issue.code in expertInfo, `${label}: unregistered issue code ${issue.code}`);
      // A decode_failure means a decoder threw: the catch-all worked, but it is a bug to fix.
      assert.notEqual(issue.code, "frame.decode_failure", `${label}: ${issue.message}`);
      assert.ok(issue.message.length > 0);
    }
  } catch (error) {
    // Only a file that is not a capture at all may be refused.
    if (!(error instanceof CaptureFileError)) throw new Error(`${label}: analyzeCapture threw ${(error as Error).stack}`);
  }
}

for (const file of captureFiles()) {
  const name = file.split("/").slice(-1)[0];
  const original = readFileSync(file);

  test(`${name}: 300 byte-flip mutations never throw`, async () => {
    const rnd = seededRandom(name.length * 7919);
    for (let i = 0; i < 300; i++) {
      await mustNotThrow(flipBytes(original, rnd), `${name} mutation ${i}`);
    }
  });

  test(`${name}: cut at every 37th byte, the analysis keeps what came before`, async () => {
    const full = await analyzeCapture(original);
    for (let cut = 0; cut < original.length; cut += 37) {
      await mustNotThrow(original.subarray(0, cut), `${name} cut at ${cut}`);
    }
    // A cut in the middle of the last record (for pcapng, perhaps a statistics
    // block after the last packet): every earlier frame survives, and the loss is reported.
    const cut = original.length - 5;
    const partial = await analyzeCapture(original.subarray(0, cut));
    assert.ok(partial.capture.frames >= full.capture.frames - 1 && partial.capture.frames <= full.capture.frames, `${partial.capture.frames} of ${full.capture.frames} frames kept`);
    assert.ok(partial.issues.some((i) => i.code === "file.truncated"), "file.truncated reported");
  });

  test(`${name}: absurd record lengths stop reading with an issue, keeping earlier frames`, async () => {
    if (original.readUInt32BE(0) !== 0xd4c3b2a1) return;
    // Find the third record and give it a 4 GiB captured length.
    let offset = 24;
    for (let r = 0; r < 2; r++) offset += 16 + original.readUInt32LE(offset + 8);
    const bytes = Buffer.from(original);
    bytes.writeUInt32LE(0xffffffff, offset + 8);
    const analysis = await analyzeCapture(bytes);
    assert.equal(analysis.capture.frames, 2);
    assert.ok(analysis.issues.some((i) => i.code === "file.record_too_large" && /4294967295/.test(i.message)));
  });
}

test("MQTT-level hostility: a huge Remaining Length and invalid flags are issues, not crashes", async () => {
  const original = readFileSync(tutorial);
  const clean = await analyzeCapture(original);
  const publish = clean.messages.find((m) => m.type === "PUBLISH")!;
  // The PUBLISH's fixed header sits just before its topic: type, Remaining Length (1 byte), topic length (2).
  const at = original.indexOf(Buffer.from(publish.topic!));
  assert.ok(at > 0);
  assert.equal(original[at - 4] >> 4, 3, "found the PUBLISH fixed header");
  const huge = Buffer.from(original);
  huge[at - 3] = 0xff; // a continuation bit: the length now runs on into the topic bytes
  const analysis = await analyzeCapture(huge);
  // The PUBLISH now claims far more bytes than the stream has: it swallows the
  // rest of the client's bytes, and the end of the stream says so.
  assert.ok(analysis.issues.some((i) => i.code === "mqtt.incomplete" || i.code === "mqtt.malformed"), JSON.stringify(analysis.issues));
  assert.ok(!analysis.messages.some((m) => m.type === "PUBLISH"), "no PUBLISH is invented from the damaged bytes");
  assert.ok(analysis.messages.some((m) => m.type === "SUBSCRIBE"), "what came before is kept");
  const badFlags = Buffer.from(original);
  badFlags[at - 4] = 0x36; // PUBLISH with QoS 3: malformed (MQTT §3.3.1.2)
  const flagged = await analyzeCapture(badFlags);
  const malformed = flagged.messages.find((m) => m.malformed);
  assert.ok(malformed, "the malformed PUBLISH is listed as malformed");
  assert.equal(malformed!.type, "PUBLISH");
  assert.ok(flagged.issues.some((i) => i.code === "mqtt.malformed" && i.frame === malformed!.frame));
  // The rest of the conversation is still decoded.
  assert.ok(flagged.messages.some((m) => m.type === "DISCONNECT"));
});

test("one malformed packet does not spoil the decoding of every later one", async () => {
  const original = readFileSync(tutorial);
  const clean = await analyzeCapture(original);
  // The CONNECT's protocol name "MQTT" is preceded by its length 00 04: claim 00 7f.
  const at = original.indexOf(Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54]));
  assert.ok(at > 0);
  const bytes = Buffer.from(original);
  bytes[at + 1] = 0x7f;
  const analysis = await analyzeCapture(bytes);
  assert.equal(analysis.messages[0].type, "CONNECT");
  assert.match(analysis.messages[0].malformed ?? "", /protocolId|short/i);
  assert.deepEqual(
    analysis.messages.slice(1).map((m) => `${m.type}${m.malformed ? "!" : ""}`),
    clean.messages.slice(1).map((m) => m.type),
  );
});

test("a pcapng block with a wrong trailer stops with file.bad_block, keeping earlier frames", async () => {
  const frame = { seconds: 1, nanos: 0, bytes: new Uint8Array(60), originalLength: 60 };
  const bytes = Buffer.from(writePcapng([{ linkType: 1 }], [frame, frame, frame], { littleEndian: true }));
  // Corrupt the trailing length of the last block.
  bytes.writeUInt32LE(12345, bytes.length - 4);
  const analysis = await analyzeCapture(bytes);
  assert.equal(analysis.capture.frames, 2);
  assert.ok(analysis.issues.some((i) => i.code === "file.bad_block"));
});

test("files that are not captures are refused with a one-line reason", async () => {
  const cases: Array<[Uint8Array, RegExp]> = [
    [Buffer.from("hello world, not a capture\n"), /not a pcap or pcapng capture.*looks like text/],
    [Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]), /zip archive/],
    [new Uint8Array(0), /empty/],
    [Buffer.from([0xd4, 0xc3]), /not a pcap or pcapng/],
  ];
  for (const [bytes, message] of cases) {
    await assert.rejects(analyzeCapture(bytes), (error: Error) => error instanceof CaptureFileError && message.test(error.message) && !error.message.includes("\n"));
  }
  await assert.rejects(analyzeCapture("/nonexistent/file.pcap"), /no such file: \/nonexistent\/file.pcap/);
});

test("a gzip-compressed capture is read transparently", async (t) => {
  const files = captureFiles().filter((f) => f.endsWith(".pcap"));
  if (files.length === 0) return t.skip("no captures");
  const { gzipSync } = await import("node:zlib");
  const plain = await analyzeCapture(files[0]);
  const zipped = await analyzeCapture(gzipSync(readFileSync(files[0])));
  assert.equal(zipped.capture.compressed, "gzip");
  assert.equal(zipped.messages.length, plain.messages.length);
});

test("many streams that each claim a 16 MiB MQTT packet cost memory for the bytes sent, not the bytes claimed", async () => {
  // Each stream: a handshake, then a PUBLISH whose fixed header claims
  // 16,777,128 bytes (Remaining Length 0xa3 0xff 0xff 0x07), with 1000 of them.
  const claim = Buffer.concat([Buffer.from([0x30, 0xa3, 0xff, 0xff, 0x07]), Buffer.alloc(1000, 0x61)]);
  const frames = [];
  const streams = 40;
  for (let i = 0; i < streams; i++) {
    const port = 20000 + i;
    const at = i * 10;
    for (const spec of [
      { fromClient: true, seq: 100, flags: "S", at },
      { fromClient: false, seq: 500, ack: 101, flags: "SA", at: at + 1 },
      { fromClient: true, seq: 101, ack: 501, flags: "A", at: at + 2 },
      { fromClient: true, seq: 101, ack: 501, flags: "PA", payload: claim, at: at + 3 },
    ]) {
      const bytes = tcpFrame(spec, port);
      frames.push({ seconds: 1700000000, nanos: spec.at * 1000, bytes, originalLength: bytes.length });
    }
  }
  const capture = writePcap(frames, { littleEndian: true, nanosecond: false, linkType: 1 });
  const analyzer = new Analyzer({});
  const before = process.memoryUsage().arrayBuffers;
  await readCapture(capture, analyzer);
  // Every stream still holds its partial packet here (none has ended).
  const held = process.memoryUsage().arrayBuffers - before;
  const summary = analyzer.finish();
  assert.equal(summary.connections, streams);
  // Before, each stream reserved the whole claim: 40 × 16 MiB = 640 MiB.
  assert.ok(held < 64 * 1024 * 1024, `${streams} claimed packets held ${held} bytes of buffers`);
});
