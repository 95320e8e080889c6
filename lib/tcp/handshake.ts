/**
 * The three-way handshake (RFC 9293 §3.5) as the capture shows it: the
 * client's SYN, the server's SYN/ACK, and the client's empty ACK that
 * completes it, with their timing (Wireshark's tcp.analysis.initial_rtt is
 * SYN → ACK). It reports events; what they mean to the analysis (phases) is
 * the caller's business.
 */
import type { TcpDirection } from "./direction";

/** What a SYN segment was to the handshake. */
export const HandshakeEvent = {
  /** Not part of it (a SYN from the server, a SYN/ACK from the client). */
  none: 0,
  /** The client's SYN (again, if retransmitted). */
  syn: 1,
  /** The server's SYN/ACK. */
  synAck: 2,
} as const;
export type HandshakeEventValue = (typeof HandshakeEvent)[keyof typeof HandshakeEvent];

export class TcpHandshake {
  /** Capture-relative seconds of the first SYN and SYN/ACK, -1 until seen (the SYN only when it opened the handshake). */
  synTime = -1;
  synAckTime = -1;
  /** A SYN or SYN/ACK was seen. */
  started = false;
  /** The client's ACK of the SYN/ACK was seen. */
  done = false;
  /** Once done with the SYN seen: SYN → ACK (the initial RTT), SYN → SYN/ACK and SYN/ACK → ACK, in seconds; -1 otherwise. */
  rtt = -1;
  synToSynAck = -1;
  synAckToAck = -1;

  /** A segment with SYN set, at `relativeTime`. */
  onSyn(hasAck: boolean, fromClient: boolean, relativeTime: number): HandshakeEventValue {
    if (!hasAck && fromClient) {
      if (!this.started) this.synTime = relativeTime;
      this.started = true;
      return HandshakeEvent.syn;
    }
    if (hasAck && !fromClient) {
      // Without the SYN captured, the handshake starts here.
      this.started = true;
      if (this.synAckTime < 0) this.synAckTime = relativeTime;
      return HandshakeEvent.synAck;
    }
    return HandshakeEvent.none;
  }

  /** Does this segment (no SYN) complete the handshake: the client's first empty ACK after the SYN/ACK? */
  completedBy(fromClient: boolean, hasAck: boolean, wireLength: number): boolean {
    return !this.done && fromClient && hasAck && wireLength === 0 && this.synAckTime >= 0;
  }

  /** The handshake completed at `relativeTime`; true when its timings are known (the SYN was seen). */
  complete(relativeTime: number): boolean {
    this.done = true;
    if (this.synTime < 0) return false;
    this.rtt = relativeTime - this.synTime;
    this.synToSynAck = this.synAckTime - this.synTime;
    this.synAckToAck = relativeTime - this.synAckTime;
    return true;
  }

  /** How much of the handshake the capture holds. */
  captured(client: TcpDirection, server: TcpDirection): "complete" | "partial" | "not-captured" {
    return this.done && this.synTime >= 0 ? "complete" : client.sawSyn || server.sawSyn ? "partial" : "not-captured";
  }
}
