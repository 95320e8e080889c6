/**
 * The Info column text Wireshark writes for a TCP segment:
 *   "43424 → 1883 [SYN] Seq=0 Win=65495 Len=0 MSS=65495 SACK_PERM TSval=… TSecr=0 WS=128"
 * Options are listed in the order they appear in the segment.
 */
import { TcpOptionKind, tcpFlagOrder } from "./tcp";

export function tcpFlagsText(flags: number): string {
  let text = "";
  for (const [bit, name] of tcpFlagOrder) {
    if (flags & bit) text += text ? `, ${name}` : name;
  }
  return text || "<None>";
}

/** `sackBase` turns SACK edges into relative numbers (the peer's sequence base). */
export function tcpOptionsText(bytes: Uint8Array, start: number, end: number, sackBase: number): string {
  let text = "";
  let offset = start;
  while (offset < end) {
    const kind = bytes[offset];
    if (kind === TcpOptionKind.END) break;
    if (kind === TcpOptionKind.NOP) {
      offset++;
      continue;
    }
    if (offset + 1 >= end) break;
    const length = bytes[offset + 1];
    if (length < 2 || offset + length > end) break;
    switch (kind) {
      case TcpOptionKind.MSS:
        if (length === 4) text += ` MSS=${(bytes[offset + 2] << 8) | bytes[offset + 3]}`;
        break;
      case TcpOptionKind.WINDOW_SCALE:
        if (length === 3) text += ` WS=${2 ** Math.min(bytes[offset + 2], 14)}`;
        break;
      case TcpOptionKind.SACK_PERMITTED:
        text += " SACK_PERM";
        break;
      case TcpOptionKind.SACK:
        for (let b = offset + 2; b + 8 <= offset + length; b += 8) {
          text += ` SLE=${(readU32(bytes, b) - sackBase) >>> 0} SRE=${(readU32(bytes, b + 4) - sackBase) >>> 0}`;
        }
        break;
      case TcpOptionKind.TIMESTAMPS:
        if (length === 10) text += ` TSval=${readU32(bytes, offset + 2)} TSecr=${readU32(bytes, offset + 6)}`;
        break;
      default:
        break;
    }
    offset += length;
  }
  return text;
}

function readU32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
}
