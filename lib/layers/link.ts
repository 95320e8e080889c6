/**
 * The dispatch table from a capture's link type to the decoder for that link
 * layer, kept apart from the decoders themselves (as gopacket keeps its
 * LinkType → decoder map apart from layers/ethernet.go).
 */
import { decodeEthernet, emptyEthernetHeader } from "./ethernet";
import { decodeLinuxSll, decodeLinuxSll2, emptyLinuxSllHeader } from "./linux-sll";
import { decodeLoopback, emptyLoopbackHeader } from "./loopback";

/** What every link decoder returns: the payload's EtherType and where it is. */
export interface LinkLayer {
  /** EtherType of the payload (0x0800 IPv4, 0x86dd IPv6), -1 if unknown. */
  networkType: number;
  payloadStart: number;
  payloadEnd: number;
  problem: string | undefined;
}

/**
 * Decode the link header of a frame. The returned object is reused by the
 * next call of the same decoder: read it before decoding the next frame.
 */
export type LinkDecoder = (bytes: Uint8Array) => LinkLayer;

const ethernet = emptyEthernetHeader();
const loopback = emptyLoopbackHeader();
const sll = emptyLinuxSllHeader();
const raw: LinkLayer = { networkType: -1, payloadStart: 0, payloadEnd: 0, problem: undefined };

/** Raw IP (101): the version nibble says which IP it is. */
function decodeRawIp(bytes: Uint8Array): LinkLayer {
  const version = bytes.length > 0 ? bytes[0] >> 4 : 0;
  raw.networkType = version === 4 ? 0x0800 : version === 6 ? 0x86dd : -1;
  raw.payloadStart = 0;
  raw.payloadEnd = bytes.length;
  return raw;
}

function rawOf(networkType: number): LinkDecoder {
  return (bytes) => {
    raw.networkType = networkType;
    raw.payloadStart = 0;
    raw.payloadEnd = bytes.length;
    return raw;
  };
}

export const linkDecoders: Readonly<Record<number, LinkDecoder>> = {
  0: (bytes) => decodeLoopback(bytes, false, 0, bytes.length, loopback),
  1: (bytes) => decodeEthernet(bytes, 0, bytes.length, ethernet),
  12: decodeRawIp, // LINKTYPE 12 is raw IP on some BSDs (DLT_RAW there)
  101: decodeRawIp,
  108: (bytes) => decodeLoopback(bytes, true, 0, bytes.length, loopback),
  113: (bytes) => decodeLinuxSll(bytes, 0, bytes.length, sll),
  228: rawOf(0x0800),
  229: rawOf(0x86dd),
  276: (bytes) => decodeLinuxSll2(bytes, 0, bytes.length, sll),
};
