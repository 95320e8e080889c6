/**
 * One direction of a TCP connection: what one endpoint sent, as the sequence
 * analysis and reassembly track it (Wireshark's per-flow `tcp_flow_t`). It
 * knows nothing of the protocol carried; the connection extends it with that.
 */
import type { StreamReassembler } from "./reassembly";

/**
 * A segment's window field scaled by its sender's shift (RFC 7323 §2.3:
 * the window is the field << Window Scale), as Wireshark shows Win=. A shift
 * for the shifts a SYN can carry (0–14, and any up to 30): it runs for every
 * segment, and `2 ** shift` is a call into Math.pow.
 */
export function scaledWindow(window: number, shift: number): number {
  return shift < 31 ? window * (1 << shift) : window * 2 ** shift;
}

/** Which way the bytes go. */
export type StreamDirection = "client->server" | "server->client";

export class TcpDirection {
  readonly fromClient: boolean;
  readonly direction: StreamDirection;
  /** Base for relative sequence numbers (Wireshark: ISN, or first seq − 1). */
  base = 0;
  baseSet = false;
  /** Initial sequence number from this side's SYN. */
  isn = -1;
  /** One past the highest sequence number sent, counting SYN and FIN (Wireshark's nextseq). */
  nextSeq = 0;
  sentAny = false;
  /** The highest ACK already flagged as acknowledging bytes of this side that were never seen. */
  ackedUnseen = -1;
  /** Window scale shift from this side's SYN, -1 when none was seen. */
  windowScale = -1;
  sawSyn = false;
  finSeq = -1;
  finFrame = 0;
  finAcked = false;
  lastAck = -1;
  lastWindow = -1;
  lastAckFrame = 0;
  dupAcks = 0;
  packets = 0;
  bytes = 0;
  payloadBytes = 0;
  reassembler: StreamReassembler | undefined;

  constructor(fromClient: boolean) {
    this.fromClient = fromClient;
    this.direction = fromClient ? "client->server" : "server->client";
  }
}
