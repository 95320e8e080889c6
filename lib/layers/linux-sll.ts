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
  /** SLL2 only (undefined for SLL). */
  interfaceIndex: number | undefined;
  payloadStart: number;
  payloadEnd: number;
  problem: string | undefined;
}

export function emptyLinuxSllHeader(): LinuxSllHeader {
  return { version: 1, packetType: -1, arphrdType: -1, protocol: -1, networkType: -1, interfaceIndex: undefined, payloadStart: 0, payloadEnd: 0, problem: undefined };
}

function sllProblem(out: LinuxSllHeader, end: number, problem: string): LinuxSllHeader {
  out.packetType = -1;
  out.arphrdType = -1;
  out.protocol = -1;
  out.networkType = -1;
  out.payloadStart = end;
  out.payloadEnd = end;
  out.problem = problem;
  return out;
}

export function decodeLinuxSll(bytes: Uint8Array, start = 0, end = bytes.length, out: LinuxSllHeader = emptyLinuxSllHeader()): LinuxSllHeader {
  out.version = 1;
  out.interfaceIndex = undefined;
  out.problem = undefined;
  if (end - start < 16) return sllProblem(out, end, `SLL header needs 16 bytes, only ${end - start} captured`);
  out.packetType = (bytes[start] << 8) | bytes[start + 1];
  out.arphrdType = (bytes[start + 2] << 8) | bytes[start + 3];
  out.protocol = out.networkType = (bytes[start + 14] << 8) | bytes[start + 15];
  out.payloadStart = start + 16;
  out.payloadEnd = end;
  return out;
}

export function decodeLinuxSll2(bytes: Uint8Array, start = 0, end = bytes.length, out: LinuxSllHeader = emptyLinuxSllHeader()): LinuxSllHeader {
  out.version = 2;
  out.problem = undefined;
  if (end - start < 20) {
    out.interfaceIndex = undefined;
    return sllProblem(out, end, `SLL2 header needs 20 bytes, only ${end - start} captured`);
  }
  out.protocol = out.networkType = (bytes[start] << 8) | bytes[start + 1];
  out.interfaceIndex = ((bytes[start + 4] << 24) | (bytes[start + 5] << 16) | (bytes[start + 6] << 8) | bytes[start + 7]) >>> 0;
  out.arphrdType = (bytes[start + 8] << 8) | bytes[start + 9];
  out.packetType = bytes[start + 10];
  out.payloadStart = start + 20;
  out.payloadEnd = end;
  return out;
}
