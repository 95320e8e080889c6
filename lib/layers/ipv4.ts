/**
 * IPv4 (RFC 791 §3.1).
 *
 *   version+IHL (1) · DSCP/ECN (1) · total length (2) · identification (2) ·
 *   flags+fragment offset (2) · TTL (1) · protocol (1) · header checksum (2) ·
 *   source (4) · destination (4) · options (IHL*4 - 20)
 *
 * The payload ends at the total length, so Ethernet padding (frames are at
 * least 60 bytes) is trimmed. Checksums are never validated: loopback and
 * offloading NICs capture packets before the checksum is filled in.
 */
export const IpProtocol = {
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  IPv6: 41,
  ICMPv6: 58,
} as const;

export interface Ipv4Header {
  version: 4;
  /** Header length in bytes (IHL × 4). */
  headerLength: number;
  tos: number;
  totalLength: number;
  identification: number;
  dontFragment: boolean;
  moreFragments: boolean;
  /** In bytes (the field × 8). */
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  /** Addresses as unsigned 32-bit numbers (see formatIpv4). */
  src: number;
  dst: number;
  payloadStart: number;
  payloadEnd: number;
  /** Bytes the payload has on the wire (may exceed payloadEnd - payloadStart when truncated). */
  payloadLength: number;
  /** The capture holds fewer bytes than the total length says. */
  truncated: boolean;
  /** A malformed header: the packet cannot be decoded further. */
  problem: string | undefined;
  /** A length oddity that still allows decoding (e.g. TSO's zero total length). */
  lengthNote: string | undefined;
}

export function emptyIpv4Header(): Ipv4Header {
  return {
    version: 4,
    headerLength: 0,
    tos: 0,
    totalLength: 0,
    identification: 0,
    dontFragment: false,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 0,
    protocol: -1,
    src: 0,
    dst: 0,
    payloadStart: 0,
    payloadEnd: 0,
    payloadLength: 0,
    truncated: false,
    problem: undefined,
    lengthNote: undefined,
  };
}

/** Decode an IPv4 header; pass `out` to reuse a header object (hot path). */
export function decodeIpv4(bytes: Uint8Array, start = 0, end = bytes.length, out: Ipv4Header = emptyIpv4Header()): Ipv4Header {
  const available = end - start;
  const header = out;
  header.headerLength = 0;
  header.totalLength = 0;
  header.protocol = -1;
  header.payloadStart = end;
  header.payloadEnd = end;
  header.payloadLength = 0;
  header.truncated = false;
  header.problem = undefined;
  header.lengthNote = undefined;
  if (available < 20) {
    header.problem = `IPv4 header needs 20 bytes, only ${available} captured`;
    header.truncated = true;
    return header;
  }
  const version = bytes[start] >> 4;
  const headerLength = (bytes[start] & 0x0f) * 4;
  header.headerLength = headerLength;
  if (version !== 4) {
    header.problem = `Bogus IP version ${version} (expected 4)`;
    return header;
  }
  if (headerLength < 20) {
    header.problem = `Invalid IPv4 header length ${headerLength} < 20`;
    return header;
  }
  header.tos = bytes[start + 1];
  let totalLength = (bytes[start + 2] << 8) | bytes[start + 3];
  header.identification = (bytes[start + 4] << 8) | bytes[start + 5];
  const flagsAndOffset = (bytes[start + 6] << 8) | bytes[start + 7];
  header.dontFragment = (flagsAndOffset & 0x4000) !== 0;
  header.moreFragments = (flagsAndOffset & 0x2000) !== 0;
  header.fragmentOffset = (flagsAndOffset & 0x1fff) * 8;
  header.ttl = bytes[start + 8];
  header.protocol = bytes[start + 9];
  header.src = ((bytes[start + 12] << 24) | (bytes[start + 13] << 16) | (bytes[start + 14] << 8) | bytes[start + 15]) >>> 0;
  header.dst = ((bytes[start + 16] << 24) | (bytes[start + 17] << 16) | (bytes[start + 18] << 8) | bytes[start + 19]) >>> 0;
  if (totalLength === 0) {
    // TCP segmentation offload: the NIC fills in the length after capture.
    header.lengthNote = "IPv4 total length 0 (likely TSO); using the captured length";
    totalLength = available;
  } else if (totalLength < headerLength) {
    header.problem = `IPv4 total length ${totalLength} is shorter than the header length ${headerLength}`;
    return header;
  }
  header.totalLength = totalLength;
  if (available < headerLength) {
    header.problem = `IPv4 header length ${headerLength} but only ${available} bytes captured`;
    header.truncated = true;
    return header;
  }
  header.payloadStart = start + headerLength;
  header.payloadLength = totalLength - headerLength;
  if (totalLength <= available) {
    header.payloadEnd = start + totalLength; // trims link-layer padding
  } else {
    header.payloadEnd = end;
    header.truncated = true;
  }
  return header;
}

export function formatIpv4(address: number): string {
  return `${address >>> 24}.${(address >>> 16) & 0xff}.${(address >>> 8) & 0xff}.${address & 0xff}`;
}
