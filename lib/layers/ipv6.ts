/**
 * IPv6 (RFC 8200 §3) and its extension headers (§4).
 *
 *   version/traffic class/flow label (4) · payload length (2) · next header (1) ·
 *   hop limit (1) · source (16) · destination (16)
 *
 * Extension headers are skipped to reach the upper-layer protocol: Hop-by-Hop
 * (0), Routing (43), Fragment (44, fixed 8 bytes), Destination Options (60),
 * Authentication (51, length in 4-byte units, RFC 4302 §2.2) and Mobility (135).
 */
export interface Ipv6Header {
  version: 6;
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  /** The Next Header field of the fixed header. */
  nextHeader: number;
  /** The upper-layer protocol after all extension headers (6 for TCP). */
  protocol: number;
  hopLimit: number;
  /** Offsets of the 16-byte addresses in `bytes` (see formatIpv6). */
  srcOffset: number;
  dstOffset: number;
  /** Set when a Fragment header was present. */
  fragmentOffset: number;
  moreFragments: boolean;
  isFragment: boolean;
  payloadStart: number;
  payloadEnd: number;
  truncated: boolean;
  problem: string | undefined;
}

export function emptyIpv6Header(): Ipv6Header {
  return {
    version: 6,
    trafficClass: 0,
    flowLabel: 0,
    payloadLength: 0,
    nextHeader: -1,
    protocol: -1,
    hopLimit: 0,
    srcOffset: 0,
    dstOffset: 0,
    fragmentOffset: 0,
    moreFragments: false,
    isFragment: false,
    payloadStart: 0,
    payloadEnd: 0,
    truncated: false,
    problem: undefined,
  };
}

/**
 * Bytes of the upper-layer packet (after the extension headers) on the wire,
 * from the Payload Length (RFC 8200 §3); a jumbogram's zero Payload Length
 * (RFC 2675) counts what was captured.
 */
export function ipv6UpperLayerLength(header: Ipv6Header): number {
  if (header.payloadLength === 0) return header.payloadEnd - header.payloadStart;
  return header.payloadLength - (header.payloadStart - header.srcOffset - 32);
}

const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const AUTHENTICATION = 51;
const DESTINATION_OPTIONS = 60;
const MOBILITY = 135;

/** Decode an IPv6 header and skip its extension headers; pass `out` to reuse a header object. */
export function decodeIpv6(bytes: Uint8Array, start = 0, end = bytes.length, out: Ipv6Header = emptyIpv6Header()): Ipv6Header {
  const available = end - start;
  const header = out;
  header.payloadLength = 0;
  header.nextHeader = -1;
  header.protocol = -1;
  header.srcOffset = start + 8;
  header.dstOffset = start + 24;
  header.fragmentOffset = 0;
  header.moreFragments = false;
  header.isFragment = false;
  header.payloadStart = end;
  header.payloadEnd = end;
  header.truncated = false;
  header.problem = undefined;
  if (available < 40) {
    header.problem = `IPv6 header needs 40 bytes, only ${available} captured`;
    header.truncated = true;
    return header;
  }
  const version = bytes[start] >> 4;
  if (version !== 6) {
    header.problem = `Bogus IP version ${version} (expected 6)`;
    return header;
  }
  header.trafficClass = ((bytes[start] & 0x0f) << 4) | (bytes[start + 1] >> 4);
  header.flowLabel = ((bytes[start + 1] & 0x0f) << 16) | (bytes[start + 2] << 8) | bytes[start + 3];
  header.payloadLength = (bytes[start + 4] << 8) | bytes[start + 5];
  header.nextHeader = bytes[start + 6];
  header.hopLimit = bytes[start + 7];
  let packetEnd = start + 40 + header.payloadLength;
  if (header.payloadLength === 0) packetEnd = end; // jumbogram or TSO: use what was captured
  if (packetEnd > end) {
    header.truncated = true;
    packetEnd = end;
  }
  let next = header.nextHeader;
  let offset = start + 40;
  for (;;) {
    if (next === HOP_BY_HOP || next === ROUTING || next === DESTINATION_OPTIONS || next === MOBILITY || next === AUTHENTICATION || next === FRAGMENT) {
      if (offset + 8 > packetEnd) {
        header.problem = `IPv6 extension header ${next} cut short`;
        header.truncated = true;
        return header;
      }
      let length: number;
      if (next === FRAGMENT) {
        length = 8;
        const offsetAndFlags = (bytes[offset + 2] << 8) | bytes[offset + 3];
        header.isFragment = true;
        header.fragmentOffset = offsetAndFlags & 0xfff8;
        header.moreFragments = (offsetAndFlags & 1) === 1;
      } else if (next === AUTHENTICATION) {
        length = (bytes[offset + 1] + 2) * 4;
      } else {
        length = (bytes[offset + 1] + 1) * 8;
      }
      next = bytes[offset];
      offset += length;
      continue;
    }
    break;
  }
  header.protocol = next;
  header.payloadStart = Math.min(offset, packetEnd);
  header.payloadEnd = packetEnd;
  return header;
}

/** RFC 5952 text form: lowercase, the longest run of zero groups as "::". */
export function formatIpv6(bytes: Uint8Array, offset: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[offset + 2 * i] << 8) | bytes[offset + 2 * i + 1]);
  // IPv4-mapped (::ffff:a.b.c.d) keeps its dotted tail, as Wireshark shows it.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes[offset + 12]}.${bytes[offset + 13]}.${bytes[offset + 14]}.${bytes[offset + 15]}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}
