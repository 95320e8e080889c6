/**
 * Linux "cooked" captures, written by `tcpdump -i any`.
 *
 * SLL  (LINKTYPE_LINUX_SLL, 113), 16 bytes:
 *   packet type (2) · ARPHRD type (2) · address length (2) · address (8) · protocol (2)
 * SLL2 (LINKTYPE_LINUX_SLL2, 276), 20 bytes:
 *   protocol (2) · reserved (2) · interface index (4) · ARPHRD type (2) ·
 *   packet type (1) · address length (1) · address (8)
 * (https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and _SLL2.html)
 */
export const SllPacketType = {
  host: 0,
  broadcast: 1,
  multicast: 2,
  otherHost: 3,
  outgoing: 4,
} as const;

export const sllPacketTypeNames = ["Unicast to us", "Broadcast", "Multicast", "Unicast to another host", "Sent by us"] as const;

export interface LinuxSllHeader {
  version: 1 | 2;
  packetType: number;
  arphrdType: number;
  /** An EtherType (0x0800 IPv4, 0x86dd IPv6, ...). */
  protocol: number;
  /** Same as protocol (every link header has a networkType). */
  networkType: number;
  /** SLL2 only. */
  interfaceIndex?: number;
  payloadStart: number;
  payloadEnd: number;
  problem?: string;
}

export function decodeLinuxSll(bytes: Uint8Array, start = 0, end = bytes.length): LinuxSllHeader {
  if (end - start < 16) return { version: 1, packetType: -1, arphrdType: -1, protocol: -1, networkType: -1, payloadStart: end, payloadEnd: end, problem: `SLL header needs 16 bytes, only ${end - start} captured` };
  return {
    version: 1,
    packetType: (bytes[start] << 8) | bytes[start + 1],
    arphrdType: (bytes[start + 2] << 8) | bytes[start + 3],
    protocol: (bytes[start + 14] << 8) | bytes[start + 15],
    networkType: (bytes[start + 14] << 8) | bytes[start + 15],
    payloadStart: start + 16,
    payloadEnd: end,
  };
}

export function decodeLinuxSll2(bytes: Uint8Array, start = 0, end = bytes.length): LinuxSllHeader {
  if (end - start < 20) return { version: 2, packetType: -1, arphrdType: -1, protocol: -1, networkType: -1, payloadStart: end, payloadEnd: end, problem: `SLL2 header needs 20 bytes, only ${end - start} captured` };
  return {
    version: 2,
    protocol: (bytes[start] << 8) | bytes[start + 1],
    networkType: (bytes[start] << 8) | bytes[start + 1],
    interfaceIndex: ((bytes[start + 4] << 24) | (bytes[start + 5] << 16) | (bytes[start + 6] << 8) | bytes[start + 7]) >>> 0,
    arphrdType: (bytes[start + 8] << 8) | bytes[start + 9],
    packetType: bytes[start + 10],
    payloadStart: start + 20,
    payloadEnd: end,
  };
}
