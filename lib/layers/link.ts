/**
 * The dispatch table from a capture's link type to the decoder for that link
 * layer, kept apart from the decoders themselves (as gopacket keeps its
 * LinkType → decoder map apart from layers/ethernet.go).
 */
import { decodeEthernet } from "./ethernet";
import { decodeLinuxSll, decodeLinuxSll2 } from "./linux-sll";
import { decodeLoopback } from "./loopback";

/** What every link decoder returns: the payload's EtherType and where it is. */
export interface LinkLayer {
  /** EtherType of the payload (0x0800 IPv4, 0x86dd IPv6), -1 if unknown. */
  networkType: number;
  payloadStart: number;
  payloadEnd: number;
  problem?: string;
}

export type LinkDecoder = (bytes: Uint8Array) => LinkLayer;

/** Raw IP (101): the version nibble says which IP it is. */
function decodeRawIp(bytes: Uint8Array): LinkLayer {
  const version = bytes.length > 0 ? bytes[0] >> 4 : 0;
  return { networkType: version === 4 ? 0x0800 : version === 6 ? 0x86dd : -1, payloadStart: 0, payloadEnd: bytes.length };
}

export const linkDecoders: Readonly<Record<number, LinkDecoder>> = {
  0: (bytes) => decodeLoopback(bytes, false),
  1: (bytes) => decodeEthernet(bytes),
  12: decodeRawIp, // LINKTYPE 12 is raw IP on some BSDs (DLT_RAW there)
  101: decodeRawIp,
  108: (bytes) => decodeLoopback(bytes, true),
  113: (bytes) => decodeLinuxSll(bytes),
  228: (bytes) => ({ networkType: 0x0800, payloadStart: 0, payloadEnd: bytes.length }),
  229: (bytes) => ({ networkType: 0x86dd, payloadStart: 0, payloadEnd: bytes.length }),
  276: (bytes) => decodeLinuxSll2(bytes),
};
