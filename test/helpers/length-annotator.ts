// A frame annotator for the capture hook's tests (loaded by path on the reader
// thread): it records each frame's captured length and link type, and names
// its batch with one string.
import type { FrameAnnotator } from "../../lib/capture/annotations";
import type { Frame } from "../../lib/capture/frame";

export function createFrameAnnotator(options: unknown): FrameAnnotator {
  const label = (options as { label: string }).label;
  let lengths: number[] = [];
  let batches = 0;
  return {
    frame(frame: Frame): void {
      lengths.push(frame.capturedLength, frame.linkType);
    },
    takeBatch() {
      const batch = { arrays: [Int32Array.from(lengths)], strings: [`${label} ${batches++}`] };
      lengths = [];
      return batch;
    },
  };
}
