// Reading on a worker thread must give exactly what the single-threaded reader gives.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeCapture, streamCapture } from "../../lib/analysis/analyze";
import { readCapture } from "../../lib/capture/reader";
import { CaptureFileError } from "../../lib/capture/errors";
import { captureFiles, fixtureDir } from "../helpers/fixtures";


for (const file of captureFiles()) {
  test(`threaded reading of ${file.split("/").slice(-1)[0]} equals single-threaded`, async () => {
    const one = await analyzeCapture(file, { threads: false });
    const two = await analyzeCapture(file, { threads: true });
    assert.deepEqual(two, one);
  });
}

test("threaded: frames are delivered in order with their own bytes (not a reused buffer)", async () => {
  const file = join(fixtureDir, "tutorial.pcapng");
  const kept: Array<{ frame: number; bytes: Uint8Array }> = [];
  await readCapture(file, { info: () => undefined, issue: () => undefined, frame: (f) => kept.push({ frame: f.frame, bytes: f.bytes }) }, { threads: true });
  const single: Array<{ frame: number; bytes: Uint8Array }> = [];
  await readCapture(file, { info: () => undefined, issue: () => undefined, frame: (f) => single.push({ frame: f.frame, bytes: Uint8Array.from(f.bytes) }) }, { threads: false });
  assert.deepEqual(
    kept.map((f) => f.frame),
    single.map((f) => f.frame),
  );
  kept.forEach((f, i) => assert.deepEqual(Uint8Array.from(f.bytes), single[i].bytes, `frame ${f.frame}`));
});

test("threaded: a file that is not a capture is still a CaptureFileError; streaming stops early cleanly", async () => {
  const dir = mkdtempSync(join(tmpdir(), "iwl-thread-"));
  const text = join(dir, "notes.pcap");
  writeFileSync(text, "hello, not a capture at all\n");
  await assert.rejects(analyzeCapture(text, { threads: true }), (error: Error) => error instanceof CaptureFileError && /looks like text/.test(error.message));
  let packets = 0;
  for await (const event of streamCapture(join(fixtureDir, "fleet-5.pcapng"), { threads: true, include: ["packet"] })) {
    if (event.kind === "packet" && ++packets === 3) break;
  }
  assert.equal(packets, 3);
});
