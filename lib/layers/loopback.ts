/**
 * BSD loopback encapsulations: LINKTYPE_NULL (0) and LINKTYPE_LOOP (108).
 *
 * A 4-byte address family precedes the IP packet. For NULL it is in the byte
 * order of the machine that captured it (unknown to us); for LOOP (OpenBSD) it
 * is always big-endian. The family for IPv6 differs by OS, so every known
 * value is accepted (https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html).
 */
export const AddressFamily = {
  INET: 2,
  INET6_BSD: 24,
  INET6_FREEBSD: 28,
  INET6_DARWIN: 30,
  INET6_LINUX: 10,
} as const;

const ipv6Families = new Set<number>([24, 28, 30, 10]);

export interface LoopbackHeader {
  /** The address family as read (byte order resolved). */
  family: number;
  /** IP version the family stands for: 4, 6, or 0 when unknown. */
  ipVersion: 0 | 4 | 6;
  /** EtherType of the payload: 0x0800, 0x86dd, or -1 when the family is unknown. */
  networkType: number;
  payloadStart: number;
  payloadEnd: number;
  problem: string | undefined;
}

export function emptyLoopbackHeader(): LoopbackHeader {
  return { family: -1, ipVersion: 0, networkType: -1, payloadStart: 0, payloadEnd: 0, problem: undefined };
}

export function decodeLoopback(bytes: Uint8Array, bigEndianAlways: boolean, start = 0, end = bytes.length, out: LoopbackHeader = emptyLoopbackHeader()): LoopbackHeader {
  out.problem = undefined;
  if (end - start < 4) {
    out.family = -1;
    out.ipVersion = 0;
    out.networkType = -1;
    out.payloadStart = end;
    out.payloadEnd = end;
    out.problem = `loopback header needs 4 bytes, only ${end - start} captured`;
    return out;
  }
  const big = ((bytes[start] << 24) | (bytes[start + 1] << 16) | (bytes[start + 2] << 8) | bytes[start + 3]) >>> 0;
  // Families are small numbers: if the big-endian reading is huge, the
  // capturing host was little-endian.
  const family = bigEndianAlways || big <= 0xffff ? big : (bytes[start] | (bytes[start + 1] << 8) | (bytes[start + 2] << 16) | (bytes[start + 3] << 24)) >>> 0;
  const ipVersion = family === AddressFamily.INET ? 4 : ipv6Families.has(family) ? 6 : 0;
  out.family = family;
  out.ipVersion = ipVersion;
  out.networkType = ipVersion === 4 ? 0x0800 : ipVersion === 6 ? 0x86dd : -1;
  out.payloadStart = start + 4;
  out.payloadEnd = end;
  return out;
}
