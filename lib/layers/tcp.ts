/**
 * TCP (RFC 9293 §3.1).
 *
 *   source port (2) · destination port (2) · sequence number (4) ·
 *   acknowledgment number (4) · data offset+reserved+flags (2) · window (2) ·
 *   checksum (2) · urgent pointer (2) · options (data offset × 4 − 20)
 *
 * Options are located here but decoded only on demand (decodeTcpOptions),
 * because most analyses need them only on SYN segments. Checksums are never
 * validated (loopback captures carry offloaded, wrong ones).
 */
export const TcpFlag = {
  FIN: 0x001,
  SYN: 0x002,
  RST: 0x004,
  PSH: 0x008,
  ACK: 0x010,
  URG: 0x020,
  ECE: 0x040,
  CWR: 0x080,
  /** Accurate ECN (RFC 3540 "NS", now AE), the reserved bit next to CWR. */
  AE: 0x100,
} as const;

/** Flag names in the order Wireshark lists them in the Info column. */
export const tcpFlagOrder: ReadonlyArray<readonly [number, string]> = [
  [TcpFlag.FIN, "FIN"],
  [TcpFlag.SYN, "SYN"],
  [TcpFlag.RST, "RST"],
  [TcpFlag.PSH, "PSH"],
  [TcpFlag.ACK, "ACK"],
  [TcpFlag.URG, "URG"],
  [TcpFlag.ECE, "ECE"],
  [TcpFlag.CWR, "CWR"],
  [TcpFlag.AE, "AE"],
];

export interface TcpHeader {
  srcPort: number;
  dstPort: number;
  /** Raw (absolute) sequence and acknowledgment numbers, unsigned 32-bit. */
  seq: number;
  ack: number;
  /** Header length in bytes (the field × 4). */
  dataOffset: number;
  flags: number;
  /** The raw window field (not yet scaled). */
  window: number;
  checksum: number;
  urgentPointer: number;
  optionsStart: number;
  payloadStart: number;
  payloadEnd: number;
  problem: string | undefined;
}

export function emptyTcpHeader(): TcpHeader {
  return { srcPort: 0, dstPort: 0, seq: 0, ack: 0, dataOffset: 0, flags: 0, window: 0, checksum: 0, urgentPointer: 0, optionsStart: 0, payloadStart: 0, payloadEnd: 0, problem: undefined };
}

/**
 * TCP payload bytes on the wire: what the IP layer says it carries, less the
 * TCP header (the capture may hold fewer).
 */
export function tcpWireLength(ipPayloadLength: number, header: TcpHeader): number {
  return Math.max(0, ipPayloadLength - header.dataOffset);
}

/** Decode a TCP header; pass `out` to reuse a header object (hot path). */
export function decodeTcp(bytes: Uint8Array, start = 0, end = bytes.length, out: TcpHeader = emptyTcpHeader()): TcpHeader {
  const available = end - start;
  const header = out;
  header.problem = undefined;
  if (available < 20) {
    header.srcPort = available >= 2 ? (bytes[start] << 8) | bytes[start + 1] : 0;
    header.dstPort = available >= 4 ? (bytes[start + 2] << 8) | bytes[start + 3] : 0;
    header.seq = header.ack = header.dataOffset = header.flags = header.window = header.checksum = header.urgentPointer = 0;
    header.optionsStart = header.payloadStart = header.payloadEnd = end;
    header.problem = `TCP header needs 20 bytes, only ${available} captured`;
    return header;
  }
  const dataOffset = (bytes[start + 12] >> 4) * 4;
  header.srcPort = (bytes[start] << 8) | bytes[start + 1];
  header.dstPort = (bytes[start + 2] << 8) | bytes[start + 3];
  header.seq = ((bytes[start + 4] << 24) | (bytes[start + 5] << 16) | (bytes[start + 6] << 8) | bytes[start + 7]) >>> 0;
  header.ack = ((bytes[start + 8] << 24) | (bytes[start + 9] << 16) | (bytes[start + 10] << 8) | bytes[start + 11]) >>> 0;
  header.dataOffset = dataOffset;
  header.flags = ((bytes[start + 12] & 0x01) << 8) | bytes[start + 13];
  header.window = (bytes[start + 14] << 8) | bytes[start + 15];
  header.checksum = (bytes[start + 16] << 8) | bytes[start + 17];
  header.urgentPointer = (bytes[start + 18] << 8) | bytes[start + 19];
  header.optionsStart = start + 20;
  header.payloadStart = start + dataOffset;
  header.payloadEnd = end;
  if (dataOffset < 20) {
    header.problem = `Invalid TCP data offset ${dataOffset} < 20`;
    header.payloadStart = end;
  } else if (dataOffset > available) {
    header.problem = `TCP data offset ${dataOffset} is beyond the ${available} captured bytes`;
    header.payloadStart = end;
  }
  return header;
}

/** Option kinds (IANA "TCP Option Kind Numbers"). */
export const TcpOptionKind = {
  END: 0,
  NOP: 1,
  MSS: 2,
  WINDOW_SCALE: 3,
  SACK_PERMITTED: 4,
  SACK: 5,
  TIMESTAMPS: 8,
} as const;

export interface TcpOptions {
  /** Option kinds in the order they appear (NOP and END left out), for display. */
  kinds: number[];
  /** RFC 9293 §3.7.1 */
  mss?: number;
  /** RFC 7323 §2: the shift count (Wireshark shows the multiplier 2^shift as WS=). */
  windowScale?: number;
  /** RFC 2018 */
  sackPermitted?: boolean;
  sackBlocks?: Array<[number, number]>;
  /** RFC 7323 §3 */
  timestampValue?: number;
  timestampEcho?: number;
  problem?: string;
}

export function decodeTcpOptions(bytes: Uint8Array, start: number, end: number): TcpOptions {
  const options: TcpOptions = { kinds: [] };
  let offset = start;
  while (offset < end) {
    const kind = bytes[offset];
    if (kind === TcpOptionKind.END) break;
    if (kind === TcpOptionKind.NOP) {
      offset++;
      continue;
    }
    if (offset + 1 >= end) {
      options.problem = `TCP option ${kind} has no length byte`;
      break;
    }
    const length = bytes[offset + 1];
    if (length < 2 || offset + length > end) {
      options.problem = `TCP option ${kind} has an invalid length ${length}`;
      break;
    }
    options.kinds.push(kind);
    switch (kind) {
      case TcpOptionKind.MSS:
        if (length === 4) options.mss = (bytes[offset + 2] << 8) | bytes[offset + 3];
        break;
      case TcpOptionKind.WINDOW_SCALE:
        if (length === 3) options.windowScale = Math.min(bytes[offset + 2], 14);
        break;
      case TcpOptionKind.SACK_PERMITTED:
        options.sackPermitted = true;
        break;
      case TcpOptionKind.SACK:
        options.sackBlocks = [];
        for (let b = offset + 2; b + 8 <= offset + length; b += 8) options.sackBlocks.push([readU32(bytes, b), readU32(bytes, b + 4)]);
        break;
      case TcpOptionKind.TIMESTAMPS:
        if (length === 10) {
          options.timestampValue = readU32(bytes, offset + 2);
          options.timestampEcho = readU32(bytes, offset + 6);
        }
        break;
      default:
        break;
    }
    offset += length;
  }
  return options;
}

/** A big-endian unsigned 32-bit number (network byte order). */
export function readU32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
}
