/**
 * UDP (RFC 768): source port (2) · destination port (2) · length (2) · checksum (2).
 * Decoded only to label packets outside TCP in the packet list.
 */
export interface UdpHeader {
  srcPort: number;
  dstPort: number;
  length: number;
  payloadStart: number;
  payloadEnd: number;
  problem?: string | undefined;
}

export function decodeUdp(bytes: Uint8Array, start = 0, end = bytes.length): UdpHeader {
  if (end - start < 8) return { srcPort: 0, dstPort: 0, length: 0, payloadStart: end, payloadEnd: end, problem: `UDP header needs 8 bytes, only ${end - start} captured` };
  const length = (bytes[start + 4] << 8) | bytes[start + 5];
  return {
    srcPort: (bytes[start] << 8) | bytes[start + 1],
    dstPort: (bytes[start + 2] << 8) | bytes[start + 3],
    length,
    payloadStart: start + 8,
    payloadEnd: Math.min(end, start + Math.max(length, 8)),
  };
}
