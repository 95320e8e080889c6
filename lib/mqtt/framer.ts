/**
 * MQTT framing: find where each control packet begins and ends in one
 * direction's reassembled byte stream, before any packet is decoded.
 *
 * Every MQTT packet starts with a fixed header (3.1.1 §2.2, 5.0 §2.1.1): one
 * byte of type and flags, then the Remaining Length as a variable byte integer
 * of 1–4 bytes, 7 bits each, least significant first (§2.2.3 / §1.5.5). So the
 * boundaries are known from the first few bytes, and a packet can be handed to
 * the full decoder only once all of it has arrived, as one contiguous view.
 *
 * Copies happen only for packets that span deliveries (segments); a packet
 * inside one segment is passed as a view of the capture buffer. A spanning
 * packet's buffer grows as its bytes arrive (doubling, up to the length its
 * header claims), so a header that claims megabytes costs nothing until the
 * megabytes are actually on the wire.
 *
 * After a gap in the stream the framer is out of step. It then looks for a
 * plausible fixed header at the start of each later segment (senders start
 * segments at packet boundaries far more often than not) and lets the decoder
 * confirm the first packet before trusting the boundary. It never guesses a
 * packet from the middle of a segment.
 */
import { requiredFlags } from "./constants";

export interface PduSink {
  /**
   * A complete packet `bytes[start, end)` whose fixed header is `headerLength`
   * bytes. `frames` lists every frame it spans when more than one, in order;
   * the last is `lastFrame`. `tentative` is set for the first packet after a
   * resynchronisation: return false to reject it (it did not decode).
   */
  pdu(bytes: Uint8Array, start: number, end: number, headerLength: number, lastFrame: number, frames: number[] | undefined, tentative: boolean): boolean;
  /** Bytes passed over without decoding, and why. */
  skipped(byteCount: number, frame: number, reason: "resync" | "too-large" | "malformed-length"): void;
  /** Decoding resumed at a boundary after skipping `byteCount` bytes. */
  resynchronised(byteCount: number, frame: number): void;
}

export interface FramerOptions {
  /** Packets longer than this are skipped, not assembled (default 16 MiB). */
  maxPacketLength?: number;
}

/**
 * A spanning packet up to this long gets its whole buffer at once (every
 * ordinary MQTT packet); a longer one starts here, or at twice the bytes
 * already seen, and doubles as its bytes arrive.
 */
export const WHOLE_BUFFER_UP_TO = 4096;

/** MQTT's largest Remaining Length, 268,435,455 (§2.2.3). */
export const MAX_REMAINING_LENGTH = 268435455;

export const HEADER_INCOMPLETE = -1;
export const HEADER_INVALID = -2;

/**
 * Read a fixed header at `position`. Returns the total packet length
 * (header + remaining length) and stores the header length in `out[0]`;
 * HEADER_INCOMPLETE when more bytes are needed, HEADER_INVALID when the
 * Remaining Length uses more than four bytes (§1.5.5: malformed).
 */
export function readFixedHeader(bytes: Uint8Array, position: number, end: number, out: Int32Array): number {
  let multiplier = 1;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    if (position + i >= end) return HEADER_INCOMPLETE;
    const byte = bytes[position + i];
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) {
      out[0] = i + 1;
      return value + i + 1;
    }
    multiplier *= 128;
  }
  return HEADER_INVALID;
}

/** Is `byte` a first byte a real MQTT packet could start with? */
export function plausibleFirstByte(byte: number): boolean {
  const type = byte >> 4;
  if (type === 0) return false;
  const required = requiredFlags[type];
  if (required >= 0) return (byte & 0x0f) === required;
  return ((byte >> 1) & 3) !== 3; // PUBLISH: QoS 3 is malformed (§3.3.1.2)
}

/** Header length out-parameter for startsWithWholePacket (read, never kept). */
const wholePacketHeader = new Int32Array(1);

/** Does `bytes[start, end)` start with one whole, plausible MQTT packet? */
export function startsWithWholePacket(bytes: Uint8Array, start: number, end: number): boolean {
  if (start >= end || !plausibleFirstByte(bytes[start])) return false;
  const total = readFixedHeader(bytes, start, end, wholePacketHeader);
  return total >= 0 && start + total <= end;
}

export class MqttFramer {
  /** False after a gap until a packet boundary has been found again. */
  synced = true;
  private readonly sink: PduSink;
  private readonly maxPacketLength: number;
  private readonly headerOut = new Int32Array(1);
  /** Bytes of a fixed header still incomplete at the end of a delivery. */
  private headerBytes: Uint8Array | undefined;
  /** The packet being assembled across deliveries: `bodyFilled` of `bodyLength` bytes so far. */
  private body: Uint8Array | undefined;
  private bodyFilled = 0;
  private bodyLength = 0;
  private bodyHeaderLength = 0;
  private bodyFrames: number[] = [];
  /** Bytes still to skip of a packet too large to assemble. */
  private skipRemaining = 0;
  private skippedSinceSync = 0;
  private tentative = false;

  constructor(sink: PduSink, options: FramerOptions = {}) {
    this.sink = sink;
    this.maxPacketLength = options.maxPacketLength ?? 16 * 1024 * 1024;
  }

  get hasPartial(): boolean {
    return this.body !== undefined || this.headerBytes !== undefined;
  }

  /** Packet type (1–15) of the partial packet, or 0 when none is held. */
  get partialType(): number {
    if (this.body && this.body.length > 0) return this.body[0] >> 4;
    if (this.headerBytes && this.headerBytes.length > 0) return this.headerBytes[0] >> 4;
    return 0;
  }

  /** Bytes of a partial packet held so far (for bounded-memory accounting). */
  get partialBytes(): number {
    return this.body ? this.bodyFilled : this.headerBytes ? this.headerBytes.length : 0;
  }

  /** Bytes of memory held for a partial packet (its buffer's capacity). */
  get reservedBytes(): number {
    return this.body ? this.body.length : this.headerBytes ? this.headerBytes.length : 0;
  }

  /**
   * The packet being assembled, as far as it was captured: its first
   * `bytes.length` bytes of `length`. For a packet cut by the snapshot length,
   * read before gap(). Undefined when no body is held, or while the boundary
   * after a resynchronisation is still unconfirmed.
   */
  partialPacket(): { bytes: Uint8Array; length: number; headerLength: number; frames: number[] } | undefined {
    if (!this.body || this.tentative) return undefined;
    return { bytes: this.body.subarray(0, this.bodyFilled), length: this.bodyLength, headerLength: this.bodyHeaderLength, frames: this.bodyFrames };
  }

  /**
   * The rest of the current segment, `length` bytes, was cut by the snapshot
   * length. When they all belong to the packet being assembled, the next
   * packet boundary is still known: skip the packet's remaining bytes and stay
   * in step. Otherwise, as gap().
   */
  cutBySnapshot(length: number): void {
    const body = this.body;
    if (body && !this.tentative && this.bodyFilled + length <= this.bodyLength) {
      this.skipRemaining = this.bodyLength - this.bodyFilled - length;
      this.body = undefined;
      this.bodyFrames = [];
      return;
    }
    this.gap();
  }

  /** The stream lost bytes: drop any partial packet and look for a boundary. */
  gap(): void {
    this.body = undefined;
    this.headerBytes = undefined;
    this.bodyFrames = [];
    this.skipRemaining = 0;
    this.synced = false;
  }

  push(bytes: Uint8Array, start: number, end: number, frame: number): void {
    let position = start;
    if (this.skipRemaining > 0) {
      const skip = Math.min(this.skipRemaining, end - position);
      this.skipRemaining -= skip;
      position += skip;
      if (position >= end) return;
    }
    if (!this.synced) {
      if (!this.looksLikeBoundary(bytes, position, end)) {
        this.skippedSinceSync += end - position;
        this.sink.skipped(end - position, frame, "resync");
        return;
      }
      this.synced = true;
      this.tentative = true;
    }
    if (this.headerBytes) {
      // Complete the fixed header first: join the held bytes with up to 4 new ones.
      const held = this.headerBytes;
      const take = Math.min(5 - held.length, end - position);
      const joined = new Uint8Array(held.length + take);
      joined.set(held, 0);
      joined.set(bytes.subarray(position, position + take), held.length);
      const total = readFixedHeader(joined, 0, joined.length, this.headerOut);
      if (total === HEADER_INCOMPLETE) {
        this.headerBytes = joined;
        this.noteFrame(frame);
        return;
      }
      this.headerBytes = undefined;
      if (total === HEADER_INVALID) {
        this.lostFraming(frame, end - position);
        return;
      }
      // Start the body with the held header bytes; the new bytes follow below.
      if (!this.beginBody(total, this.headerOut[0], frame, this.bodyFrames)) {
        this.skipRemaining = total - held.length;
        const skip = Math.min(this.skipRemaining, end - position);
        this.skipRemaining -= skip;
        position += skip;
        if (position >= end) return;
      } else {
        this.body!.set(held, 0);
        this.bodyFilled = held.length;
      }
    }
    if (this.body) {
      const take = Math.min(this.bodyLength - this.bodyFilled, end - position);
      if (this.bodyFilled + take > this.body.length) this.grow(this.bodyFilled + take);
      this.body.set(bytes.subarray(position, position + take), this.bodyFilled);
      this.bodyFilled += take;
      position += take;
      this.noteFrame(frame);
      if (this.bodyFilled < this.bodyLength) return;
      const body = this.body; // grown to exactly bodyLength by now
      const frames = this.bodyFrames.length > 1 ? this.bodyFrames : undefined;
      this.body = undefined;
      this.bodyFrames = [];
      if (!this.emit(body, 0, body.length, this.bodyHeaderLength, frame, frames)) return;
    }
    // The fast path: whole packets inside this delivery, passed as views.
    const out = this.headerOut;
    while (position < end) {
      const total = readFixedHeader(bytes, position, end, out);
      if (total === HEADER_INCOMPLETE) {
        this.headerBytes = Uint8Array.prototype.slice.call(bytes, position, end); // a copy, even for a Buffer
        this.bodyFrames = [frame];
        return;
      }
      if (total === HEADER_INVALID) {
        this.lostFraming(frame, end - position);
        return;
      }
      if (position + total <= end) {
        if (!this.emit(bytes, position, position + total, out[0], frame, undefined)) return;
        position += total;
        continue;
      }
      // The packet continues in later segments.
      const available = end - position;
      if (!this.beginBody(total, out[0], frame, undefined, available)) {
        this.skipRemaining = total - available;
        return;
      }
      this.body!.set(bytes.subarray(position, end), 0);
      this.bodyFilled = available;
      return;
    }
  }

  private emit(bytes: Uint8Array, start: number, end: number, headerLength: number, frame: number, frames: number[] | undefined): boolean {
    const tentative = this.tentative;
    const accepted = this.sink.pdu(bytes, start, end, headerLength, frame, frames, tentative);
    if (tentative) {
      if (!accepted) {
        // Not a real boundary after all: wait for the next segment.
        this.synced = false;
        this.skippedSinceSync += end - start;
        this.sink.skipped(end - start, frame, "resync");
        return false;
      }
      this.tentative = false;
      this.sink.resynchronised(this.skippedSinceSync, frame);
      this.skippedSinceSync = 0;
    }
    return true;
  }

  private beginBody(total: number, headerLength: number, frame: number, framesSoFar?: number[], firstBytes = 0): boolean {
    if (total > this.maxPacketLength) {
      this.sink.skipped(total, frame, "too-large");
      this.bodyFrames = [];
      return false;
    }
    // A Buffer, so the decoder can read it in place.
    this.body = Buffer.allocUnsafe(total <= WHOLE_BUFFER_UP_TO ? total : Math.min(total, Math.max(WHOLE_BUFFER_UP_TO, 2 * firstBytes)));
    this.bodyLength = total;
    this.bodyFilled = 0;
    this.bodyHeaderLength = headerLength;
    this.bodyFrames = framesSoFar && framesSoFar.length > 0 ? framesSoFar : [frame];
    return true;
  }

  /** Make room for at least `needed` bytes: double, but never past the claimed length. */
  private grow(needed: number): void {
    const bigger = Buffer.allocUnsafe(Math.min(this.bodyLength, Math.max(needed, 2 * this.body!.length)));
    bigger.set(this.body!.subarray(0, this.bodyFilled), 0);
    this.body = bigger;
  }

  private noteFrame(frame: number): void {
    const frames = this.bodyFrames;
    if (frames.length === 0 || frames[frames.length - 1] !== frame) frames.push(frame);
  }

  private lostFraming(frame: number, remaining: number): void {
    this.sink.skipped(remaining, frame, "malformed-length");
    this.gap();
  }

  /**
   * A segment start that could be a packet boundary: a valid first byte, a
   * well-formed Remaining Length, and (when the packet ends inside the
   * segment) another valid first byte or the segment's end right after it.
   */
  private looksLikeBoundary(bytes: Uint8Array, position: number, end: number): boolean {
    if (!plausibleFirstByte(bytes[position])) return false;
    const total = readFixedHeader(bytes, position, end, this.headerOut);
    if (total < 0) return false;
    const next = position + total;
    if (next === end) return true;
    if (next < end) return plausibleFirstByte(bytes[next]);
    return total <= this.maxPacketLength;
  }
}
