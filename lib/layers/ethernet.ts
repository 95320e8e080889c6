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
  problem: string | undefined;
}

export function emptyEthernetHeader(): EthernetHeader {
  return { headerStart: 0, etherType: -1, networkType: -1, vlanIds: undefined, payloadStart: 0, payloadEnd: 0, problem: undefined };
}

/**
 * Decode an Ethernet header at `bytes[start]`. Pass `out` to reuse a header
 * object (the hot path does, as gopacket's DecodingLayerParser reuses layers);
 * without it a new one is returned.
 */
export function decodeEthernet(bytes: Uint8Array, start = 0, end = bytes.length, out: EthernetHeader = emptyEthernetHeader()): EthernetHeader {
  out.headerStart = start;
  out.vlanIds = undefined;
  out.problem = undefined;
  if (end - start < 14) return ethernetProblem(out, end, `Ethernet header needs 14 bytes, only ${end - start} captured`);
  let offset = start + 12;
  let etherType = (bytes[offset] << 8) | bytes[offset + 1];
  while (etherType === EtherType.VLAN || etherType === EtherType.QinQ || etherType === EtherType.QinQLegacy) {
    if (offset + 6 > end) return ethernetProblem(out, end, "VLAN tag cut short");
    (out.vlanIds ??= []).push(((bytes[offset + 2] << 8) | bytes[offset + 3]) & 0x0fff);
    offset += 4;
    etherType = (bytes[offset] << 8) | bytes[offset + 1];
  }
  out.etherType = etherType;
  out.networkType = etherType;
  out.payloadStart = offset + 2;
  out.payloadEnd = end;
  return out;
}

function ethernetProblem(out: EthernetHeader, end: number, problem: string): EthernetHeader {
  out.etherType = -1;
  out.networkType = -1;
  out.payloadStart = end;
  out.payloadEnd = end;
  out.problem = problem;
  return out;
}

export function formatMac(bytes: Uint8Array, offset: number): string {
  let text = "";
  for (let i = 0; i < 6; i++) text += (i ? ":" : "") + bytes[offset + i].toString(16).padStart(2, "0");
  return text;
}
