// gzip-compressed captures: damage at the end keeps every frame that
// decompressed, and a small file that expands enormously (a decompression
// bomb, or a flood of empty records) stops early with a file.* issue.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { analyzeCapture } from "../../lib/analysis/analyze";
import type { Analysis } from "../../lib/analysis/types";
import { MAX_EMPTY_RECORD_RUN } from "../../lib/capture/frame";
import { DEFAULT_MAX_GZIP_EXPANSION, GZIP_EXPANSION_ALLOWANCE, gunzip, gzipHeaderLength } from "../../lib/capture/gunzip";
import type { Issue } from "../../lib/expert/issues";
import { fixtureDir } from "../helpers/fixtures";
import { hex } from "../helpers/hex";

const fleet = readFileSync(join(fixtureDir, "fleet-5.pcapng"));
const tutorial = readFileSync(join(fixtureDir, "tutorial.pcap"));

function fileIssues(analysis: Analysis): string[] {
  return analysis.issues.filter((i) => i.layer === "file").map((i) => i.code);
}

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

test("gzip member headers (RFC 1952 §2.3.1): optional fields, and what is not one", () => {
  // ID1 ID2 CM=8 FLG MTIME(4) XFL OS
  assert.equal(gzipHeaderLength(hex("1f 8b 08 00 00 00 00 00 00 03")), 10);
  // FNAME "a.pcap\0"
  assert.equal(gzipHeaderLength(hex("1f 8b 08 08 00 00 00 00 00 03 61 2e 70 63 61 70 00")), 17);
  // FEXTRA with XLEN 2, then FHCRC
  assert.equal(gzipHeaderLength(hex("1f 8b 08 06 00 00 00 00 00 03 02 00 41 42 12 34")), 16);
  assert.equal(gzipHeaderLength(hex("1f 8b 08 08 00 00 00 00 00 03 61 2e")), -1, "the name goes on");
  assert.equal(gzipHeaderLength(hex("1f 8b 08")), -1, "too short to tell");
  assert.equal(gzipHeaderLength(hex("1f 8b 07 00 00 00 00 00 00 03")), -2, "CM 7 is not DEFLATE");
  assert.equal(gzipHeaderLength(hex("1f 8b 08 20 00 00 00 00 00 03")), -2, "a reserved flag bit is set");
});

test("a damaged gzip trailer or junk after it keeps every frame that decompressed", async () => {
  const plain = await analyzeCapture(fleet);
  const zipped = gzipSync(fleet);
  const badCrc = Buffer.from(zipped);
  badCrc[badCrc.length - 8] ^= 0xff; // the CRC-32's first byte
  const badLength = Buffer.from(zipped);
  badLength[badLength.length - 1] ^= 0x01; // ISIZE's last byte
  const cases: Array<[string, Uint8Array]> = [
    ["a bad CRC-32", badCrc],
    ["a bad ISIZE", badLength],
    ["junk after the trailer", Buffer.concat([zipped, Buffer.from("trailing junk, not gzip")])],
    ["a trailer cut short", zipped.subarray(0, zipped.length - 3)],
  ];
  const dir = mkdtempSync(join(tmpdir(), "iot-wire-lab-gzip-"));
  try {
    for (const [label, bytes] of cases) {
      const path = join(dir, "capture.pcapng.gz");
      writeFileSync(path, bytes);
      for (const [from, source] of [["bytes", bytes], ["a file", path]] as const) {
        const analysis = await analyzeCapture(source);
        assert.equal(analysis.capture.frames, plain.capture.frames, `${label}, from ${from}: every frame`);
        assert.deepEqual(analysis.messages, plain.messages, `${label}, from ${from}: every message`);
        assert.deepEqual(fileIssues(analysis), ["file.gzip_damaged"], `${label}, from ${from}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("gzip cut short in its compressed data keeps what came before the cut", async () => {
  const zipped = gzipSync(fleet);
  const analysis = await analyzeCapture(zipped.subarray(0, zipped.length - 400));
  const plain = await analyzeCapture(fleet);
  assert.ok(analysis.capture.frames > plain.capture.frames / 2 && analysis.capture.frames < plain.capture.frames, `${analysis.capture.frames} frames`);
  assert.ok(fileIssues(analysis).includes("file.gzip_damaged"));
});

test("concatenated gzip members read as one capture, with no issue", async () => {
  const twoMembers = Buffer.concat([gzipSync(fleet.subarray(0, 4000)), gzipSync(fleet.subarray(4000))]);
  const analysis = await analyzeCapture(twoMembers);
  const plain = await analyzeCapture(fleet);
  assert.equal(analysis.capture.frames, plain.capture.frames);
  assert.deepEqual(fileIssues(analysis), []);
});

test("a gzip bomb stops at the expansion cap, having done work bounded by the compressed size", async () => {
  const inflated = Buffer.alloc(48 * 1024 * 1024); // zeros: DEFLATE's best case, about 1000:1
  const compressed = gzipSync(inflated);
  assert.ok(inflated.length / compressed.length > 4 * DEFAULT_MAX_GZIP_EXPANSION);
  const issues: Issue[] = [];
  let output = 0;
  for await (const chunk of gunzip(chunksOf(compressed, 64 * 1024), "bomb.gz", issues)) output += chunk.length;
  assert.deepEqual(
    issues.map((i) => i.code),
    ["file.gzip_expansion"],
  );
  assert.ok(output < GZIP_EXPANSION_ALLOWANCE + DEFAULT_MAX_GZIP_EXPANSION * compressed.length + 512 * 1024, `${output} bytes came out of ${compressed.length}`);
  // In an analysis: the tutorial capture, then 1500-byte records of zeros.
  const record = Buffer.alloc(16 + 1500);
  record.writeUInt32LE(1500, 8);
  record.writeUInt32LE(1500, 12);
  const analysis = await analyzeCapture(gzipSync(Buffer.concat([tutorial, Buffer.alloc(record.length * 20_000, record)])), { packets: false, maxGzipExpansion: 50 });
  assert.ok(fileIssues(analysis).includes("file.gzip_expansion"));
  assert.equal(analysis.messages.length, (await analyzeCapture(tutorial)).messages.length, "the frames before are kept");
});

test("a flood of empty records stops the reader with file.empty_records, keeping the frames before", async () => {
  // The tutorial capture, then two million 16-byte pcap records that each
  // capture zero bytes: 32 MiB that gzip to about 32 KiB.
  const record = Buffer.alloc(16);
  record.writeUInt32LE(1700000100, 0);
  const flood = Buffer.alloc(2 * 1024 * 1024 * 16, record);
  const zipped = gzipSync(Buffer.concat([tutorial, flood]));
  const plain = await analyzeCapture(tutorial);
  for (const source of [zipped, Buffer.concat([tutorial, flood.subarray(0, 20 * MAX_EMPTY_RECORD_RUN * 16)])]) {
    const analysis = await analyzeCapture(source, { packets: false });
    assert.deepEqual(fileIssues(analysis), ["file.empty_records"]);
    assert.equal(analysis.capture.frames, plain.capture.frames + MAX_EMPTY_RECORD_RUN - 1);
    assert.deepEqual(analysis.messages, plain.messages);
  }
});
