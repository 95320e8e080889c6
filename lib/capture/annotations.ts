/**
 * Per-frame annotations made on the reader thread: a hook through which a
 * layer above capture has work done beside the file reading, without the
 * capture layer knowing what the work is.
 *
 * The caller names a module (`FrameAnnotatorSpec`); the threaded reader's
 * worker loads it and calls its `createFrameAnnotator(options)`, then hands
 * the annotator every frame in order. With each batch of frames the worker
 * moves the annotator's typed arrays (and a few strings) to the main thread,
 * where each frame it delivers carries `annotations`: the batch and the
 * frame's position in it. What the arrays mean is the annotator's business;
 * the module that made them reads them back.
 *
 * Annotations are a speed-up only: a frame read without them (a small file,
 * a stream, a single-threaded read) must give the same results.
 */
import type { Frame } from "./frame";

export type { FrameAnnotationBatch, FrameAnnotations } from "./frame";

/** Which module annotates frames on the reader thread, and its options. */
export interface FrameAnnotatorSpec {
  /** Absolute path of a CommonJS module exporting `createFrameAnnotator`. */
  readonly module: string;
  /** Handed to `createFrameAnnotator` (structured-cloned to the worker). */
  readonly options?: unknown;
}

/** What the annotating module makes on the reader thread. */
export interface FrameAnnotator {
  /** Annotate one frame; frames come in file order, each exactly once. */
  frame(frame: Frame): void;
  /** The annotations of the frames since the last call (the arrays are moved, not copied). */
  takeBatch(): { arrays: Int32Array[]; strings: string[] };
}

/** The module a FrameAnnotatorSpec names. */
export interface FrameAnnotatorModule {
  createFrameAnnotator(options: unknown): FrameAnnotator;
}
