/**
 * One direction of a TCP connection, put back in sequence order.
 *
 * Segments arrive as the capture saw them: in order, duplicated
 * (retransmissions), early (out of order), or never (lost before the capture
 * point, or cut by the snapshot length). The reassembler delivers each byte of
 * the stream exactly once, in order, to its sink, and says so when bytes are
 * missing, so the protocol decoder above can resynchronise instead of decoding
 * garbage.
 *
 * Buffering is bounded: early segments wait (copied, since capture buffers are
 * reused) until the hole before them is filled, the receiver acknowledges past
 * the hole (so the missing bytes were delivered but not captured), the limits
 * below are reached, or the stream ends. Then the hole is declared lost.
 *
 * This mirrors Wireshark's TCP analysis (epan/dissectors/packet-tcp.c):
 * "nextseq" there is `highestEnd` here.
 */
import { seqAdd, seqDiff } from "./sequence";

/** What a data segment was, relative to what this direction had already sent. */
export const SegmentVerdict = {
  /** The next bytes, as expected. */
  inOrder: 0,
  /** Every byte was seen before. */
  retransmission: 1,
  /** Some bytes were seen before, some are new. */
  partialRetransmission: 2,
  /** New bytes that arrived after later bytes did (filled a hole). */
  outOfOrder: 3,
  /** Starts beyond everything seen so far: the bytes before it are missing. */
  previousSegmentNotCaptured: 4,
  /** The first data of a stream whose start was not seen. */
  firstData: 5,
} as const;
export type SegmentVerdictValue = (typeof SegmentVerdict)[keyof typeof SegmentVerdict];

export interface ReassemblySink {
  /** In-order bytes `bytes[start, end)`, from frame `frame`. Valid only during the call. */
  data(bytes: Uint8Array, start: number, end: number, frame: number): void;
  /**
   * `length` bytes of the stream were never captured; the next data follows
   * the hole. `cutBySnapshot`: they are the rest of frame `frame`'s own
   * segment, cut by the snapshot length (the bytes before were delivered).
   */
  gap(length: number, frame: number, cutBySnapshot?: boolean): void;
}

export interface ReassemblyLimits {
  /** Most early segments held while waiting for a hole to fill. */
  maxPendingSegments: number;
  /** Most early bytes held. */
  maxPendingBytes: number;
}

export const defaultReassemblyLimits: ReassemblyLimits = { maxPendingSegments: 64, maxPendingBytes: 1 << 20 };

interface PendingSegment {
  seq: number;
  data: Uint8Array;
  /** Bytes on the wire (may exceed data.length when the frame was truncated). */
  wireLength: number;
  frame: number;
}

export class StreamReassembler {
  /** Sequence number of the next byte to deliver. */
  expected = 0;
  /** One past the highest sequence number seen (Wireshark's nextseq). */
  highestEnd = 0;
  started = false;
  /**
   * Classify segments and follow sequence numbers, but keep and deliver no
   * bytes: for streams nobody decodes (no buffering, no copies).
   */
  trackOnly = false;
  /** Total bytes delivered and declared lost. */
  deliveredBytes = 0;
  lostBytes = 0;
  private pending: PendingSegment[] | undefined;
  /** The hole given up on by giveUpHole(), [start, end) in sequence numbers. */
  private abandonedHole: { start: number; end: number } | undefined;
  private pendingBytes = 0;
  private readonly sink: ReassemblySink;
  private readonly limits: ReassemblyLimits;

  constructor(sink: ReassemblySink, limits: ReassemblyLimits = defaultReassemblyLimits) {
    this.sink = sink;
    this.limits = limits;
  }

  /** The stream's first data byte will be `seq` (ISN + 1 after a SYN). */
  start(seq: number): void {
    this.expected = seq >>> 0;
    this.highestEnd = seq >>> 0;
    this.started = true;
  }

  get hasPending(): boolean {
    return this.pending !== undefined && this.pending.length > 0;
  }

  /**
   * A segment carrying `wireLength` payload bytes starting at `seq`, of which
   * `bytes[start, end)` were captured.
   */
  push(seq: number, bytes: Uint8Array, start: number, end: number, wireLength: number, frame: number): SegmentVerdictValue {
    if (!this.started) {
      this.start(seq);
      this.deliver(seq, bytes, start, end, wireLength, frame);
      return SegmentVerdict.firstData;
    }
    const offset = seqDiff(seq, this.expected);
    const segmentEnd = seqAdd(seq, wireLength);
    const beyondHighest = seqDiff(seq, this.highestEnd);
    if (offset + wireLength <= 0) {
      const hole = this.abandonedHole;
      if (hole && !this.trackOnly && seqDiff(seq, hole.start) >= 0 && seqDiff(segmentEnd, hole.end) <= 0) {
        // New bytes for a hole given up on: out of order, not a retransmission
        // (Wireshark labels them so, and does not dissect them either).
        return SegmentVerdict.outOfOrder;
      }
      return SegmentVerdict.retransmission;
    }
    if (this.trackOnly) return this.track(offset, segmentEnd, beyondHighest);
    if (offset < 0) {
      // Starts with bytes already delivered: keep only the new tail.
      const skip = -offset;
      this.deliver(this.expected, bytes, Math.min(start + skip, end), end, wireLength - skip, frame);
      this.drainPending();
      return SegmentVerdict.partialRetransmission;
    }
    if (offset === 0) {
      const filledHole = seqDiff(this.highestEnd, segmentEnd) > 0;
      this.deliver(seq, bytes, start, end, wireLength, frame);
      this.drainPending();
      return filledHole ? SegmentVerdict.outOfOrder : SegmentVerdict.inOrder;
    }
    // A hole before this segment.
    if (this.isPendingDuplicate(seq, wireLength)) return SegmentVerdict.retransmission;
    this.hold(seq, bytes, start, end, wireLength, frame);
    if (seqDiff(segmentEnd, this.highestEnd) > 0) this.highestEnd = segmentEnd;
    if (this.pending!.length > this.limits.maxPendingSegments || this.pendingBytes > this.limits.maxPendingBytes) {
      this.declareHoleLost();
    }
    return beyondHighest > 0 ? SegmentVerdict.previousSegmentNotCaptured : SegmentVerdict.outOfOrder;
  }

  /**
   * The other side acknowledged up to `ack`. If that is past a hole we are
   * waiting on, the receiver got bytes the capture never saw: stop waiting.
   */
  peerAcknowledged(ack: number): void {
    if (this.pending && this.pending.length > 0 && seqDiff(ack, this.expected) > 0) this.declareHoleLost();
  }

  /**
   * The receiver has acknowledged up to `ack` although nothing at
   * `expected` was captured (and nothing is held): those bytes were sent
   * but the capture missed them. Skip to `ack` so the next segment is in order.
   */
  skipUnseen(ack: number): void {
    if (!this.started || (this.pending && this.pending.length > 0)) return;
    const missing = seqDiff(ack, this.expected);
    if (missing <= 0) return;
    this.lostBytes += missing;
    if (!this.trackOnly) this.sink.gap(missing, 0);
    this.expected = ack >>> 0;
    if (seqDiff(this.expected, this.highestEnd) > 0) this.highestEnd = this.expected;
  }

  /**
   * Stop waiting for the hole before the held segments now: declare it lost
   * and deliver what is held, in this frame. For a decoder that, like
   * Wireshark, would rather decode a segment that follows a capture gap when
   * it arrives than after the receiver's ACK. Should the hole's bytes arrive
   * later all the same, they are classified outOfOrder and not delivered.
   */
  giveUpHole(): void {
    if (!this.pending || this.pending.length === 0) return;
    const start = this.expected;
    const end = this.pending[0].seq;
    if (seqDiff(end, start) > 0) this.abandonedHole = { start, end };
    this.declareHoleLost();
  }

  /** The stream ends (FIN, RST or end of capture): deliver what is held. */
  flush(): void {
    while (this.pending && this.pending.length > 0) this.declareHoleLost();
  }

  /** Release buffers (the connection closed). */
  release(): void {
    this.pending = undefined;
    this.abandonedHole = undefined;
    this.pendingBytes = 0;
  }

  private track(offset: number, segmentEnd: number, beyondHighest: number): SegmentVerdictValue {
    const filledHole = seqDiff(this.highestEnd, segmentEnd) > 0;
    this.expected = segmentEnd;
    if (seqDiff(segmentEnd, this.highestEnd) > 0) this.highestEnd = segmentEnd;
    if (offset < 0) return SegmentVerdict.partialRetransmission;
    if (offset === 0) return filledHole ? SegmentVerdict.outOfOrder : SegmentVerdict.inOrder;
    if (beyondHighest > 0) {
      this.lostBytes += offset;
      return SegmentVerdict.previousSegmentNotCaptured;
    }
    return SegmentVerdict.outOfOrder;
  }

  private deliver(seq: number, bytes: Uint8Array, start: number, end: number, wireLength: number, frame: number): void {
    const captured = end - start;
    if (captured > 0) this.sink.data(bytes, start, end, frame);
    this.deliveredBytes += captured;
    let next = seqAdd(seq, captured);
    if (wireLength > captured) {
      // Cut by the snapshot length: the rest of the segment is a hole.
      const missing = wireLength - captured;
      this.lostBytes += missing;
      this.sink.gap(missing, frame, true);
      next = seqAdd(next, missing);
    }
    this.expected = next;
    if (seqDiff(next, this.highestEnd) > 0) this.highestEnd = next;
  }

  private hold(seq: number, bytes: Uint8Array, start: number, end: number, wireLength: number, frame: number): void {
    // A copy: `bytes` may be a Buffer (whose slice() is a view) over a reused capture buffer.
    const segment: PendingSegment = { seq, data: Uint8Array.prototype.slice.call(bytes, start, end), wireLength, frame };
    const pending = (this.pending ??= []);
    let index = pending.length;
    while (index > 0 && seqDiff(pending[index - 1].seq, seq) > 0) index--;
    pending.splice(index, 0, segment);
    this.pendingBytes += segment.data.length;
  }

  private isPendingDuplicate(seq: number, wireLength: number): boolean {
    if (!this.pending) return false;
    for (const segment of this.pending) {
      if (segment.seq === seq && segment.wireLength >= wireLength) return true;
    }
    return false;
  }

  private declareHoleLost(): void {
    const first = this.pending![0];
    const missing = seqDiff(first.seq, this.expected);
    if (missing > 0) {
      this.lostBytes += missing;
      this.sink.gap(missing, first.frame);
      this.expected = first.seq;
    }
    this.drainPending();
  }

  private drainPending(): void {
    const pending = this.pending;
    if (!pending) return;
    while (pending.length > 0) {
      const segment = pending[0];
      const offset = seqDiff(segment.seq, this.expected);
      if (offset > 0) break;
      pending.shift();
      this.pendingBytes -= segment.data.length;
      if (offset + segment.wireLength <= 0) continue; // fully old by now
      const skip = -offset;
      this.deliver(this.expected, segment.data, Math.min(skip, segment.data.length), segment.data.length, segment.wireLength - skip, segment.frame);
    }
  }
}
