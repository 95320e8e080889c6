/**
 * The Info column text Wireshark writes for a TCP segment:
 *   "43424 → 1883 [SYN] Seq=0 Win=65495 Len=0 MSS=65495 SACK_PERM TSval=… TSecr=0 WS=128"
 * Options are listed in the order they appear in the segment.
 */
import { decodeTcpOptions, TcpOptionKind, tcpFlagOrder, type TcpOptions } from "./tcp";

/** The text of each of the 512 flag combinations, made when first asked for (one per packet-list row). */
const flagsTexts: string[] = [];

export function tcpFlagsText(flags: number): string {
  const cached = flagsTexts[flags];
  if (cached !== undefined) return cached;
  let text = "";
  for (const [bit, name] of tcpFlagOrder) {
    if (flags & bit) text += text ? `, ${name}` : name;
  }
  text ||= "<None>";
  if (flags >= 0 && flags < 512) flagsTexts[flags] = text;
  return text;
}

/** `sackBase` turns SACK edges into relative numbers (the peer's sequence base). */
export function tcpOptionsText(bytes: Uint8Array, start: number, end: number, sackBase: number): string {
  return formatTcpOptions(decodeTcpOptions(bytes, start, end), sackBase);
}

/** " MSS=65495 SACK_PERM TSval=… TSecr=… WS=128": each option once, in wire order. */
export function formatTcpOptions(options: TcpOptions, sackBase: number): string {
  let text = "";
  for (const kind of options.kinds) {
    switch (kind) {
      case TcpOptionKind.MSS:
        if (options.mss !== undefined) text += ` MSS=${options.mss}`;
        break;
      case TcpOptionKind.WINDOW_SCALE:
        if (options.windowScale !== undefined) text += ` WS=${2 ** options.windowScale}`;
        break;
      case TcpOptionKind.SACK_PERMITTED:
        text += " SACK_PERM";
        break;
      case TcpOptionKind.SACK:
        for (const [left, right] of options.sackBlocks ?? []) text += ` SLE=${(left - sackBase) >>> 0} SRE=${(right - sackBase) >>> 0}`;
        break;
      case TcpOptionKind.TIMESTAMPS:
        if (options.timestampValue !== undefined) text += ` TSval=${options.timestampValue} TSecr=${options.timestampEcho}`;
        break;
      default:
        break;
    }
  }
  return text;
}
