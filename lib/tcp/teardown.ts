/**
 * Closing a connection (RFC 9293 §3.6): each side's FIN, its acknowledgment,
 * and RST. The FIN state lives on each direction (tcp/direction.ts); the
 * sequence analysis marks a FIN acknowledged (tcp/sequence-analysis.ts).
 */
import type { TcpDirection } from "./direction";
import { seqAdd } from "./sequence";

/** Where the connection is in its life. */
export type TcpConnectionState = "open" | "half-closed" | "closed" | "reset";

/** What a segment with FIN or RST did to the connection. */
export const TeardownEvent = {
  /** Nothing new (a FIN sent again). */
  none: 0,
  /** This side's first FIN: it will send no more (RFC 9293 §3.6). */
  fin: 1,
  rst: 2,
} as const;
export type TeardownEventValue = (typeof TeardownEvent)[keyof typeof TeardownEvent];

/** A segment of `sender` with FIN or RST set, in `frame`: records the FIN's sequence number. */
export function teardownEvent(sender: TcpDirection, fin: boolean, rst: boolean, seq: number, wireLength: number, frame: number): TeardownEventValue {
  if (rst) return TeardownEvent.rst;
  if (!fin || sender.finSeq >= 0) return TeardownEvent.none;
  sender.finSeq = seqAdd(seq, wireLength);
  sender.finFrame = frame;
  return TeardownEvent.fin;
}

/** After a FIN: closed once both sides sent one, half-closed before. */
export function stateAfterFin(client: TcpDirection, server: TcpDirection): "closed" | "half-closed" {
  return client.finSeq >= 0 && server.finSeq >= 0 ? "closed" : "half-closed";
}

/** Both FINs acknowledged: the connection is over. */
export function finsAcknowledged(client: TcpDirection, server: TcpDirection): boolean {
  return client.finAcked && server.finAcked;
}

/** `sender` still sends data after the peer's FIN: a half-close (RFC 9293 §3.6). */
export function sendsAfterPeerFin(receiver: TcpDirection): boolean {
  return receiver.finSeq >= 0;
}
