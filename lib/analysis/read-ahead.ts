/**
 * The analysis plugs MQTT decoding ahead (mqtt/predecode.ts) into the capture
 * reader's per-frame annotation hook (capture/annotations.ts).
 *
 * On the reader thread, the capture worker loads this module by its path and
 * calls `createFrameAnnotator`: it runs the MqttPredecoder on each frame and
 * hands over, per batch, the table of packets decoded ahead plus, per frame,
 * where its packets are in that table. On the main thread the analyzer points
 * a DecodedAhead at a frame's packets (`decodedAheadFor`) and passes it down
 * to the MQTT decoding of that frame.
 *
 * This module is loaded on the reader thread: it imports only the capture
 * types and the MQTT decoding, never the analyzer.
 */
import type { FrameAnnotationBatch, FrameAnnotator, FrameAnnotatorSpec } from "../capture/annotations";
import type { Frame } from "../capture/frame";
import { DecodedAhead } from "../mqtt/decoded-ahead";
import { MqttPredecoder, PredecodedBatch } from "../mqtt/predecode";

/** This module's path, as the capture worker loads it. */
const READ_AHEAD_MODULE = __filename;

interface ReadAheadOptions {
  /** The protocol level to assume for streams whose CONNECT the reader has not seen. */
  defaultVersion: number;
}

/** Ask the reader thread to decode whole MQTT packets ahead (see mqtt/predecode.ts). */
export function mqttReadAhead(defaultVersion: number): FrameAnnotatorSpec {
  const options: ReadAheadOptions = { defaultVersion };
  return { module: READ_AHEAD_MODULE, options };
}

/**
 * Reader thread: the annotator. Its batch is two arrays: the predecoded
 * packets' table (PREDECODED_FIELDS per packet) and, per frame, the first of
 * its packets in that table and how many there are.
 */
export function createFrameAnnotator(options: unknown): FrameAnnotator {
  const predecoder = new MqttPredecoder((options as ReadAheadOptions).defaultVersion);
  const packets = new PredecodedBatch();
  let spans = new Int32Array(2 * 1024);
  let frames = 0;
  return {
    frame(frame: Frame): void {
      if (2 * (frames + 1) > spans.length) {
        const bigger = new Int32Array(spans.length * 2);
        bigger.set(spans);
        spans = bigger;
      }
      spans[2 * frames] = packets.count;
      spans[2 * frames + 1] = predecoder.frame(frame.bytes, frame.linkType, packets);
      frames++;
    },
    takeBatch() {
      const batch = { arrays: [packets.table, spans], strings: packets.strings };
      packets.reset();
      spans = new Int32Array(2 * 1024);
      frames = 0;
      return batch;
    },
  };
}

/**
 * Main thread: point `into` at the packets decoded ahead for `frame`, or
 * return undefined when its annotations are not this module's or it has none.
 */
export function decodedAheadFor(frame: Frame, into: DecodedAhead): DecodedAhead | undefined {
  const annotations = frame.annotations;
  if (annotations === undefined) return undefined;
  const batch: FrameAnnotationBatch = annotations.batch;
  if (batch.module !== READ_AHEAD_MODULE) return undefined;
  const spans = batch.arrays[1];
  const count = spans[2 * annotations.index + 1];
  if (count === 0) return undefined;
  into.begin(frame.bytes, batch.arrays[0], batch.strings, spans[2 * annotations.index], count);
  return into;
}
