/**
 * The first frames of a capture as plain copies, for looking at raw bytes by
 * hand (readFrames reuses its buffer).
 */
import type { Frame } from "./frame";
import { readFrames } from "./frames";
import type { CaptureSource } from "./source";

/** The first `count` frames of a capture, each with its own copy of the bytes (readFrames reuses its buffer). */
export async function takeFrames(source: CaptureSource, count = 1): Promise<Frame[]> {
  const frames: Frame[] = [];
  if (count <= 0) return frames;
  for await (const frame of readFrames(source)) {
    frames.push({ ...frame, bytes: Uint8Array.from(frame.bytes) });
    if (frames.length >= count) break;
  }
  return frames;
}
