/**
 * The one walk from a frame's link layer through IPv4/IPv6 to TCP, used by
 * every part that needs a frame's TCP segment (the analyzer, the reader
 * thread's MQTT predecoder, the redactor). Like gopacket's
 * DecodingLayerParser it decodes into preallocated headers (the scratch) and
 * says where it stopped, so each caller decides what a stop means to it (the
 * analyzer lists the frame and reports an issue; the predecoder skips it).
 *
 * Nothing here reports issues or allocates per frame: the headers in the
 * scratch are overwritten by the next call.
 */
import { decodeIpv4, emptyIpv4Header, IpProtocol, type Ipv4Header } from "./ipv4";
import { decodeIpv6, emptyIpv6Header, ipv6UpperLayerLength, type Ipv6Header } from "./ipv6";
import { linkDecoders, type LinkLayer } from "./link";
import { decodeTcp, emptyTcpHeader, tcpWireLength, type TcpHeader } from "./tcp";

/** Where the walk stopped: at a TCP segment, or at the first layer that does not lead to one. */
export const TcpWalkStop = {
  /** A TCP segment: `tcp`, `payloadStart`, `payloadEnd` and `wireLength` are set. */
  tcp: 0,
  /** No decoder for the frame's link type. */
  unsupportedLink: 1,
  /** The link header is damaged (`link.problem`). */
  malformedLink: 2,
  /** The link layer carries something other than IPv4 or IPv6 (`link.networkType`). */
  notIp: 3,
  /** The IP header is damaged (`ip.problem`). */
  malformedIp: 4,
  /** An IP fragment: its payload is not decoded (fragments are not reassembled). */
  ipFragment: 5,
  /** IP carries another protocol than TCP (`ip.protocol`). */
  notTcp: 6,
  /** The TCP header is damaged (`tcp.problem`). */
  malformedTcp: 7,
} as const;
export type TcpWalkStop = (typeof TcpWalkStop)[keyof typeof TcpWalkStop];

/** Preallocated headers and the walk's results; reused for every frame. */
export interface TcpWalk {
  readonly ipv4: Ipv4Header;
  readonly ipv6: Ipv6Header;
  readonly tcp: TcpHeader;
  /** The link layer of the last frame (the link decoder's own reused object). */
  link: LinkLayer | undefined;
  /** The IP header of the last frame: `ipv4` or `ipv6`, or undefined when the walk stopped before IP. */
  v4: Ipv4Header | undefined;
  v6: Ipv6Header | undefined;
  /** TCP payload in the frame, cut to the bytes the IP length says are on the wire. */
  payloadStart: number;
  payloadEnd: number;
  /** TCP payload length on the wire, from the IP length (more than payloadEnd - payloadStart when the capture cut it). */
  wireLength: number;
}

export function emptyTcpWalk(): TcpWalk {
  return { ipv4: emptyIpv4Header(), ipv6: emptyIpv6Header(), tcp: emptyTcpHeader(), link: undefined, v4: undefined, v6: undefined, payloadStart: 0, payloadEnd: 0, wireLength: 0 };
}

/** Decode `frame` from its link layer down to TCP into `scratch`; returns where the walk stopped. */
export function decodeToTcp(frame: { readonly bytes: Uint8Array; readonly linkType: number }, scratch: TcpWalk): TcpWalkStop {
  const bytes = frame.bytes;
  scratch.link = undefined;
  scratch.v4 = undefined;
  scratch.v6 = undefined;
  const decodeLink = linkDecoders[frame.linkType];
  if (!decodeLink) return TcpWalkStop.unsupportedLink;
  const link = decodeLink(bytes);
  scratch.link = link;
  if (link.problem) return TcpWalkStop.malformedLink;
  let ip: Ipv4Header | Ipv6Header;
  let fragment: boolean;
  if (link.networkType === 0x0800) {
    const v4 = decodeIpv4(bytes, link.payloadStart, link.payloadEnd, scratch.ipv4);
    scratch.v4 = v4;
    ip = v4;
    fragment = v4.moreFragments || v4.fragmentOffset > 0;
  } else if (link.networkType === 0x86dd) {
    const v6 = decodeIpv6(bytes, link.payloadStart, link.payloadEnd, scratch.ipv6);
    scratch.v6 = v6;
    ip = v6;
    fragment = v6.isFragment;
  } else {
    return TcpWalkStop.notIp;
  }
  if (ip.problem) return TcpWalkStop.malformedIp;
  if (fragment) return TcpWalkStop.ipFragment;
  if (ip.protocol !== IpProtocol.TCP) return TcpWalkStop.notTcp;
  const tcp = decodeTcp(bytes, ip.payloadStart, ip.payloadEnd, scratch.tcp);
  if (tcp.problem) return TcpWalkStop.malformedTcp;
  // Payload length on the wire comes from the IP length, not the capture.
  const wireLength = tcpWireLength(scratch.v4 ? scratch.v4.payloadLength : ipv6UpperLayerLength(scratch.v6!), tcp);
  scratch.wireLength = wireLength;
  scratch.payloadStart = tcp.payloadStart;
  scratch.payloadEnd = Math.min(tcp.payloadEnd, tcp.payloadStart + wireLength);
  return TcpWalkStop.tcp;
}
