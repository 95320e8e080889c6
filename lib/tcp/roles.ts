/**
 * Which end of a connection is the client, decided from its first packet:
 * the SYN's sender (RFC 793 §3.4: the active opener), else the SYN/ACK's
 * receiver, else the side not on a registered server port, else a guess from
 * the port numbers. The evidence is kept (ConnectionSummary.roles) so a
 * reader knows how sure the roles are.
 */
import { TcpFlag } from "../layers/tcp";

export type RoleEvidence = "syn" | "syn-ack" | "port" | "guess";

export interface Roles {
  /** The first packet's source is the client. */
  sourceIsClient: boolean;
  evidence: RoleEvidence;
}

/** The roles from a connection's first packet; `isServerPort` says which ports protocols are registered on. */
export function decideRoles(flags: number, srcPort: number, dstPort: number, isServerPort: (port: number) => boolean): Roles {
  const synOnly = (flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN;
  const synAck = (flags & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK);
  if (synOnly) return { sourceIsClient: true, evidence: "syn" };
  if (synAck) return { sourceIsClient: false, evidence: "syn-ack" };
  if (isServerPort(dstPort) !== isServerPort(srcPort)) return { sourceIsClient: isServerPort(dstPort), evidence: "port" };
  const src = serverLikeness(srcPort);
  const dst = serverLikeness(dstPort);
  return { sourceIsClient: src !== dst ? dst > src : srcPort >= dstPort, evidence: "guess" };
}

/**
 * How likely a port is to be the listening side when no SYN was seen:
 * well-known (< 1024) and registered (< 32768) ports are servers' ports;
 * Linux's default ephemeral range (32768–60999) is where clients' ports come
 * from; above that is ambiguous (IANA calls it dynamic, Linux never uses it
 * by default, and servers sometimes listen there).
 */
export function serverLikeness(port: number): number {
  if (port < 1024) return 3;
  if (port < 32768) return 2;
  if (port <= 60999) return 0;
  return 1;
}

