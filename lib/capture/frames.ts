/**
 * Frames one at a time, as an async iterator: the lowest level of the
 * library, for looking at raw records before any protocol is decoded
 * (notebook 04 decodes an Ethernet header by hand from these bytes).
 */
import type { Issue } from "../expert/issues";
import type { CaptureInfo, Frame } from "./frame";
import { readCapture } from "./reader";
import type { CaptureSource } from "./source";

export interface FramesOptions {
  /** Receives problems with the file (a cut-short record, a damaged block). */
  onIssue?: (issue: Issue) => void;
  onInfo?: (info: CaptureInfo) => void;
  /** Receives each pcapng Decryption Secrets Block (§4.7): its secrets type and bytes (a secret: never print them). */
  onSecrets?: (secretsType: number, data: Uint8Array) => void;
}

export async function* readFrames(source: CaptureSource, options: FramesOptions = {}): AsyncGenerator<Frame, void, undefined> {
  let batch: Frame[] = [];
  let release: (() => void) | undefined;
  let wake: (() => void) | undefined;
  let done = false;
  let failure: unknown;
  let stopped = false;
  const reading = readCapture(
    source,
    {
      info: (info) => options.onInfo?.(info),
      issue: (issue) => options.onIssue?.(issue),
      ...(options.onSecrets ? { secrets: options.onSecrets } : {}),
      frame: (frame) => {
        batch.push(frame);
      },
    },
    {
      shouldStop: () => stopped,
      afterChunk: () => {
        if (batch.length === 0 || stopped) return;
        return new Promise<void>((resolve) => {
          release = resolve;
          wake?.();
        });
      },
    },
  ).then(
    () => {
      done = true;
      wake?.();
    },
    (error: unknown) => {
      failure = error;
      done = true;
      wake?.();
    },
  );
  try {
    for (;;) {
      if (batch.length > 0) {
        const frames = batch;
        batch = [];
        yield* frames;
        const r = release;
        release = undefined;
        r?.();
        continue;
      }
      if (done) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    if (failure) throw failure;
  } finally {
    stopped = true;
    release?.();
    await reading;
  }
}
