/**
 * Ethernet II (IEEE 802.3) with 802.1Q / 802.1ad VLAN tags.
 *
 *   destination MAC (6) · source MAC (6) · [TPID 0x8100/0x88a8/0x9100 · TCI (2)]* · EtherType (2) · payload
 *
 * A type/length field of 1500 or less is an 802.3 length (LLC follows), not an
 * EtherType: we report it as such and do not decode further.
 */
export const EtherType = {
  IPv4: 0x0800,
  ARP: 0x0806,
  IPv6: 0x86dd,
  VLAN: 0x8100,
  QinQ: 0x88a8,
  QinQLegacy: 0x9100,
} as const;

export const etherTypeNames: Readonly<Record<number, string>> = {
  0x0800: "IPv4",
  0x0806: "ARP",
  0x86dd: "IPv6",
  0x8100: "802.1Q",
  0x88a8: "802.1ad",
};

export interface EthernetHeader {
  /** Offset of the destination MAC (the source follows 6 bytes later). */
  headerStart: number;
  /** EtherType after any VLAN tags; below 0x0600 it is an 802.3 length. */
  etherType: number;
  /** The EtherType of the payload (same as etherType; every link header has one). */
  networkType: number;
  /** VLAN ids from outermost to innermost, when tagged. */
  vlanIds: number[] | undefined;
  payloadStart: number;
  payloadEnd: number;
  /** Set when the header does not fit in the captured bytes. */
  problem?: string;
}

export function decodeEthernet(bytes: Uint8Array, start = 0, end = bytes.length): EthernetHeader {
  if (end - start < 14) {
    return { headerStart: start, etherType: -1, networkType: -1, vlanIds: undefined, payloadStart: end, payloadEnd: end, problem: `Ethernet header needs 14 bytes, only ${end - start} captured` };
  }
  let offset = start + 12;
  let etherType = (bytes[offset] << 8) | bytes[offset + 1];
  let vlanIds: number[] | undefined;
  while (etherType === EtherType.VLAN || etherType === EtherType.QinQ || etherType === EtherType.QinQLegacy) {
    if (offset + 6 > end) {
      return { headerStart: start, etherType: -1, networkType: -1, vlanIds, payloadStart: end, payloadEnd: end, problem: "VLAN tag cut short" };
    }
    (vlanIds ??= []).push(((bytes[offset + 2] << 8) | bytes[offset + 3]) & 0x0fff);
    offset += 4;
    etherType = (bytes[offset] << 8) | bytes[offset + 1];
  }
  return { headerStart: start, etherType, networkType: etherType, vlanIds, payloadStart: offset + 2, payloadEnd: end };
}

export function formatMac(bytes: Uint8Array, offset: number): string {
  let text = "";
  for (let i = 0; i < 6; i++) text += (i ? ":" : "") + bytes[offset + i].toString(16).padStart(2, "0");
  return text;
}
