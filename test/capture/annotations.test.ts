// The capture reader's per-frame annotation hook: a module named by path runs
// on the reader thread, and each delivered frame carries its batch's arrays
// and its own position in them. The capture layer knows nothing of what the
// annotations mean (this annotator is not MQTT's).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readCapture } from "../../lib/capture/reader";
import type { FrameAnnotations } from "../../lib/capture/annotations";
import { fixtureDir } from "../helpers/fixtures";

const annotator = { module: join(__dirname, "..", "helpers", "length-annotator.js"), options: { label: "lengths" } };
const file = join(fixtureDir, "fleet-5.pcapng");

for (const transientFrames of [false, true]) {
  test(`annotations: every frame read on the reader thread carries what the annotator made for it (transientFrames: ${transientFrames})`, async () => {
    const seen: Array<{ frame: number; capturedLength: number; linkType: number; annotated: [number, number]; label: string | undefined }> = [];
    const batches = new Set<FrameAnnotations["batch"]>();
    await readCapture(
      file,
      {
        transientFrames,
        info: () => undefined,
        issue: () => undefined,
        frame: (frame) => {
          const a = frame.annotations;
          assert.ok(a, `frame ${frame.frame} has annotations`);
          assert.equal(a.batch.module, annotator.module);
          batches.add(a.batch);
          seen.push({ frame: frame.frame, capturedLength: frame.capturedLength, linkType: frame.linkType, annotated: [a.batch.arrays[0][2 * a.index], a.batch.arrays[0][2 * a.index + 1]], label: a.batch.strings[0] });
        },
      },
      { threads: true, annotator, chunkSize: 4096 },
    );
    assert.ok(seen.length > 50, `${seen.length} frames`);
    assert.ok(batches.size > 1, "small chunks make several batches");
    for (const s of seen) assert.deepEqual(s.annotated, [s.capturedLength, s.linkType], `frame ${s.frame}`);
    assert.deepEqual([...new Set(seen.map((s) => s.label))], Array.from({ length: batches.size }, (_, i) => `lengths ${i}`));
  });
}

test("annotations: none without an annotator, and none when the file is read on the caller's thread", async () => {
  let annotated = 0;
  const sink = { info: () => undefined, issue: () => undefined, frame: (frame: { annotations?: unknown }) => void (annotated += frame.annotations ? 1 : 0) };
  await readCapture(file, sink, { threads: true });
  await readCapture(file, sink, { threads: false, annotator });
  assert.equal(annotated, 0);
});
