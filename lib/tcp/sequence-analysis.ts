/**
 * TCP sequence analysis of one segment over the two directions' state, as
 * Wireshark's packet-tcp.c `tcp_analyze_sequence_number` does it
 * (simplified): relative numbers, keep-alive, zero window, ACKed unseen
 * segment, duplicate ACK and window update, retransmission (fast, spurious),
 * out-of-order and previous segment not captured.
 *
 * It runs in three steps around the segment's payload, because whether new
 * bytes are a retransmission, out of order or after a hole is the
 * reassembler's verdict (tcp/reassembly.ts), and the caller reports each
 * step's findings before the bytes (or the ACK) can make the next layer report
 * its own:
 *   1. `analyzeSegmentHeader`: before the payload is reassembled;
 *   2. `classifySegmentPayload`: with the reassembler's verdict;
 *   3. `acknowledgeSegment`: the ACK reaches the peer, and this side's next
 *      sequence number moves on.
 * The findings land in a `SequenceAnalysis` the caller keeps and reuses for
 * every segment (this is the per-packet hot path: nothing is allocated).
 */
import { TcpFlag, type TcpHeader } from "../layers/tcp";
import { scaledWindow, type TcpDirection } from "./direction";
import { SegmentVerdict, type SegmentVerdictValue } from "./reassembly";
import { seqAdd, seqDiff } from "./sequence";

/** The TCP header fields the analysis reads. */
export type SegmentHeader = Pick<TcpHeader, "seq" | "ack" | "flags" | "window">;

const { FIN, SYN, RST, ACK } = TcpFlag;

/** What the analysis found, one bit each (Wireshark's tcp.analysis.* flags). */
export const SequenceFlag = {
  keepAlive: 1 << 0,
  zeroWindow: 1 << 1,
  /** The ACK covers bytes of the peer never captured (flagged once per stretch). */
  ackedUnseen: 1 << 2,
  duplicateAck: 1 << 3,
  windowUpdate: 1 << 4,
  /** The SYN (or SYN/ACK) sent again with the same ISN. */
  synRetransmission: 1 << 5,
  retransmission: 1 << 6,
  spuriousRetransmission: 1 << 7,
  fastRetransmission: 1 << 8,
  outOfOrder: 1 << 9,
  previousSegmentNotCaptured: 1 << 10,
  /** The FIN sent again. */
  finRetransmission: 1 << 11,
  /** This segment acknowledged the peer's FIN (for the first time). */
  finAcked: 1 << 12,
} as const;

/** Per-connection counts the analysis keeps up to date (the connection summary's). */
export interface SequenceCounters {
  retransmissions: number;
  outOfOrder: number;
  lostSegments: number;
  duplicateAcks: number;
}

/** One segment's findings; one instance is reused for every segment. */
export class SequenceAnalysis {
  /** SequenceFlag bits. */
  flags = 0;
  /** Sequence and acknowledgment numbers relative to each side's base, as Wireshark shows them. */
  relativeSeq = 0;
  relativeAck = 0;
  /** Window after scaling (Wireshark's Win=). */
  window = 0;
  /** Duplicate ACK: the frame of the ACK repeated, and which repeat this is. */
  duplicateOfFrame = 0;
  duplicateCount = 0;
  /** Fast retransmission: how many duplicate ACKs asked for the bytes. */
  askedByDuplicateAcks = 0;
  /** Previous segment not captured: how many bytes this side's stream skips. */
  skippedBytes = 0;
  /** The first payload byte's sequence number (after the SYN, if any). */
  dataSeq = 0;
  /** One past the segment's last sequence number, counting SYN and FIN. */
  segmentSeqEnd = 0;
}

/**
 * Step 1, before the payload: relative numbers, keep-alive, zero window,
 * ACKed unseen, duplicate ACK / window update, SYN retransmission. `sender`
 * sent `tcp`; `sender.packets` already counts it. `synWindowScale` is the
 * SYN's window scale option, when it has one.
 *
 * Small enough for V8 to inline into the caller: the findings themselves are
 * looked for out of line (`flagSegmentHeader`), and only when the segment
 * could have one.
 */
export function analyzeSegmentHeader(
  sender: TcpDirection,
  receiver: TcpDirection,
  tcp: SegmentHeader,
  wireLength: number,
  frame: number,
  synWindowScale: number | undefined,
  counters: SequenceCounters,
  out: SequenceAnalysis,
): void {
  const flags = tcp.flags;
  const syn = (flags & SYN) !== 0;
  const hasAck = (flags & ACK) !== 0;
  if (syn || !sender.baseSet || (hasAck && !receiver.baseSet)) setSequenceBases(sender, receiver, tcp, syn, hasAck, synWindowScale);
  out.relativeSeq = (tcp.seq - sender.base) >>> 0;
  out.relativeAck = hasAck ? (tcp.ack - receiver.base) >>> 0 : 0;
  out.window = syn ? tcp.window : windowAfterScaling(sender, receiver, tcp.window);
  out.dataSeq = syn ? seqAdd(tcp.seq, 1) : tcp.seq;
  out.segmentSeqEnd = seqAdd(tcp.seq, wireLength + (syn ? 1 : 0) + ((flags & FIN) !== 0 ? 1 : 0));
  out.flags = 0;
  if (!mayHaveFindings(sender, receiver, tcp, wireLength, hasAck)) {
    if (hasAck) rememberAck(sender, tcp, frame);
    return;
  }
  flagSegmentHeader(sender, receiver, tcp, wireLength, frame, counters, out);
}

/**
 * Can step 1 find anything? Not for most segments: no SYN, FIN or RST, a
 * window, no ACK beyond the peer's data, no keep-alive sequence number, and
 * an empty segment only with a new ACK (no duplicate, no window update).
 */
function mayHaveFindings(sender: TcpDirection, receiver: TcpDirection, tcp: SegmentHeader, wireLength: number, hasAck: boolean): boolean {
  return !(
    (tcp.flags & (SYN | FIN | RST)) === 0 &&
    tcp.window !== 0 &&
    !(hasAck && receiver.sentAny && seqDiff(tcp.ack, receiver.nextSeq) > 0) &&
    (wireLength > 1 || !sender.sentAny || tcp.seq !== seqAdd(sender.nextSeq, -1)) &&
    (wireLength > 0 || !hasAck || tcp.ack !== sender.lastAck)
  );
}

/** RFC 7323 §2.3: the window of a segment other than a SYN, scaled when both sides sent the option. */
function windowAfterScaling(sender: TcpDirection, receiver: TcpDirection, window: number): number {
  return sender.windowScale >= 0 && receiver.windowScale >= 0 ? scaledWindow(window, sender.windowScale) : window;
}

/** The last ACK this side sent (a new one restarts the duplicate count) and its window. */
function rememberAck(sender: TcpDirection, tcp: SegmentHeader, frame: number): void {
  if (tcp.ack !== sender.lastAck) {
    sender.lastAck = tcp.ack;
    sender.lastAckFrame = frame;
    sender.dupAcks = 0;
  }
  sender.lastWindow = tcp.window;
}

/** Relative sequence numbers: the ISN, or (without the SYN) the first seq − 1; the ACK numbers the peer's. */
function setSequenceBases(sender: TcpDirection, receiver: TcpDirection, tcp: SegmentHeader, syn: boolean, hasAck: boolean, synWindowScale: number | undefined): void {
  if (syn) {
    if (!sender.sawSyn) {
      sender.sawSyn = true;
      sender.isn = tcp.seq;
      sender.base = tcp.seq;
      sender.baseSet = true;
      if (synWindowScale !== undefined) sender.windowScale = synWindowScale;
    }
  } else if (!sender.baseSet) {
    sender.base = (tcp.seq - 1) >>> 0;
    sender.baseSet = true;
  }
  if (hasAck && !receiver.baseSet) {
    receiver.base = (tcp.ack - 1) >>> 0;
    receiver.baseSet = true;
  }
}

/** Step 1's findings, for a segment that may have some. */
function flagSegmentHeader(sender: TcpDirection, receiver: TcpDirection, tcp: SegmentHeader, wireLength: number, frame: number, counters: SequenceCounters, out: SequenceAnalysis): void {
  const flags = tcp.flags;
  const syn = (flags & SYN) !== 0;
  const hasAck = (flags & ACK) !== 0;
  const plainSegment = (flags & (SYN | FIN | RST)) === 0;
  let found = 0;
  // Keep-alive: zero or one byte one before the next sequence number (RFC 9293 §3.8.4).
  if (plainSegment && wireLength <= 1 && sender.sentAny && tcp.seq === seqAdd(sender.nextSeq, -1)) found |= SequenceFlag.keepAlive;
  if (plainSegment && tcp.window === 0) found |= SequenceFlag.zeroWindow;
  // Flag each unseen stretch once, as Wireshark does (later ACKs of the same bytes are not news).
  if (hasAck && receiver.sentAny && seqDiff(tcp.ack, receiver.nextSeq) > 0 && (receiver.ackedUnseen < 0 || seqDiff(tcp.ack, receiver.ackedUnseen) > 0)) {
    receiver.ackedUnseen = tcp.ack;
    found |= SequenceFlag.ackedUnseen;
  }
  // Duplicate ACK and window update: an empty segment at this side's next
  // sequence number repeating the last ACK, with the same (non-zero) window,
  // or with a new one. An ACK that arrives after later data of its side (seq
  // behind nextseq) is neither.
  if (hasAck && wireLength === 0 && plainSegment && (found & SequenceFlag.keepAlive) === 0 && tcp.window !== 0 && sender.sentAny && tcp.seq === sender.nextSeq) {
    if (tcp.ack === sender.lastAck && tcp.window === sender.lastWindow && receiver.sentAny) {
      sender.dupAcks++;
      counters.duplicateAcks++;
      found |= SequenceFlag.duplicateAck;
      out.duplicateOfFrame = sender.lastAckFrame;
      out.duplicateCount = sender.dupAcks;
    } else if (tcp.ack === sender.lastAck && sender.lastWindow >= 0 && tcp.window !== sender.lastWindow) {
      found |= SequenceFlag.windowUpdate;
    }
  }
  if (hasAck) rememberAck(sender, tcp, frame);

  // RFC 9293 §3.5: a SYN sent again with the same ISN is a retransmission.
  if (syn && sender.packets > 1 && tcp.seq === sender.isn && wireLength === 0) {
    counters.retransmissions++;
    found |= SequenceFlag.synRetransmission;
  }
  out.flags = found;
}

/**
 * Step 2, for a segment whose payload went to the reassembler (`verdict`),
 * or, with `verdict` undefined, one whose did not (no payload, or a
 * keep-alive byte): retransmission (fast, spurious), out-of-order, previous
 * segment not captured.
 */
export function classifySegmentPayload(
  sender: TcpDirection,
  receiver: TcpDirection,
  tcp: SegmentHeader,
  wireLength: number,
  verdict: SegmentVerdictValue | undefined,
  counters: SequenceCounters,
  out: SequenceAnalysis,
): void {
  if (verdict === SegmentVerdict.inOrder || verdict === SegmentVerdict.firstData) return;
  if (verdict !== undefined) {
    classifyUnexpectedPayload(sender, receiver, tcp, verdict, counters, out);
    return;
  }
  if (wireLength === 0 && (tcp.flags & (SYN | RST | FIN)) === 0 && sender.sentAny && seqDiff(tcp.seq, sender.nextSeq) > 0) {
    // A pure ACK beyond what this side sent: its data was not captured.
    counters.lostSegments++;
    out.flags |= SequenceFlag.previousSegmentNotCaptured;
    out.skippedBytes = seqDiff(tcp.seq, sender.nextSeq);
  }
}

/** Step 2 for bytes that were not simply the next ones. */
function classifyUnexpectedPayload(sender: TcpDirection, receiver: TcpDirection, tcp: SegmentHeader, verdict: SegmentVerdictValue, counters: SequenceCounters, out: SequenceAnalysis): void {
  // A resend of the very bytes the receiver asked for with two or more
  // duplicate ACKs is a fast retransmission (RFC 5681 §3.2).
  if (verdict !== SegmentVerdict.previousSegmentNotCaptured && receiver.dupAcks >= 2 && tcp.seq === receiver.lastAck) {
    counters.retransmissions++;
    out.flags |= SequenceFlag.fastRetransmission;
    out.askedByDuplicateAcks = receiver.dupAcks;
    return;
  }
  switch (verdict) {
    case SegmentVerdict.retransmission:
    case SegmentVerdict.partialRetransmission:
      counters.retransmissions++;
      // Spurious: the receiver had already acknowledged all of it.
      out.flags |= receiver.lastAck >= 0 && seqDiff(out.segmentSeqEnd, receiver.lastAck) <= 0 ? SequenceFlag.spuriousRetransmission : SequenceFlag.retransmission;
      return;
    case SegmentVerdict.outOfOrder:
      counters.outOfOrder++;
      out.flags |= SequenceFlag.outOfOrder;
      return;
    case SegmentVerdict.previousSegmentNotCaptured:
      counters.lostSegments++;
      out.flags |= SequenceFlag.previousSegmentNotCaptured;
      out.skippedBytes = seqDiff(out.dataSeq, sender.nextSeq);
      return;
    default:
      return;
  }
}

/**
 * Step 3: the ACK reaches the peer's reassembler (it may give up waiting for
 * a hole) and may acknowledge the peer's FIN; a FIN sent again is a
 * retransmission; this side's next sequence number moves on.
 */
export function acknowledgeSegment(sender: TcpDirection, receiver: TcpDirection, tcp: SegmentHeader, wireLength: number, counters: SequenceCounters, out: SequenceAnalysis): void {
  const flags = tcp.flags;
  if ((flags & ACK) !== 0) {
    receiver.reassembler?.peerAcknowledged(tcp.ack);
    if (receiver.finSeq >= 0 && !receiver.finAcked && seqDiff(tcp.ack, seqAdd(receiver.finSeq, 1)) >= 0) {
      receiver.finAcked = true;
      out.flags |= SequenceFlag.finAcked;
    }
  }
  if ((flags & FIN) !== 0 && wireLength === 0 && sender.finSeq >= 0 && sender.finSeq === tcp.seq) {
    counters.retransmissions++;
    out.flags |= SequenceFlag.finRetransmission;
  }
  if (!sender.sentAny || seqDiff(out.segmentSeqEnd, sender.nextSeq) > 0) sender.nextSeq = out.segmentSeqEnd;
  sender.sentAny = true;
}

/** Flags that name the segment itself; at most one is set. */
const retransmissionLike = SequenceFlag.synRetransmission | SequenceFlag.finRetransmission | SequenceFlag.retransmission;

/**
 * Wireshark's Info prefix for the findings ("[TCP Dup ACK 5#1] " …), or ""
 * (the common case, without building a string).
 */
export function sequenceAnalysisPrefix(out: SequenceAnalysis): string {
  const flags = out.flags & ~SequenceFlag.finAcked;
  if (flags === 0) return "";
  let prefix = "";
  if (flags & retransmissionLike) prefix = "[TCP Retransmission] ";
  else if (flags & SequenceFlag.fastRetransmission) prefix = "[TCP Fast Retransmission] ";
  else if (flags & SequenceFlag.spuriousRetransmission) prefix = "[TCP Spurious Retransmission] ";
  else if (flags & SequenceFlag.outOfOrder) prefix = "[TCP Out-Of-Order] ";
  else if (flags & SequenceFlag.previousSegmentNotCaptured) prefix = "[TCP Previous segment not captured] ";
  if (flags & SequenceFlag.keepAlive) prefix += "[TCP Keep-Alive] ";
  if (flags & SequenceFlag.zeroWindow) prefix += "[TCP ZeroWindow] ";
  if (flags & SequenceFlag.ackedUnseen) prefix += "[TCP ACKed unseen segment] ";
  if (flags & SequenceFlag.duplicateAck) prefix += `[TCP Dup ACK ${out.duplicateOfFrame}#${out.duplicateCount}] `;
  else if (flags & SequenceFlag.windowUpdate) prefix += "[TCP Window Update] ";
  return prefix;
}
