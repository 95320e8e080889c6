/**
 * The shapes the analysis produces: packets (the packet list), MQTT messages,
 * TCP connections and phases. Field names follow Wireshark's display filters
 * where one exists (tcp.stream → stream, mqtt.msgid → messageId).
 */
import type { CaptureInfo } from "../capture/frame";
import type { Issue } from "../expert/issues";
import type { Direction, MqttMessage } from "../mqtt/types";

export type { Direction, MqttMessage } from "../mqtt/types";


/** What a connection carries, as far as we can tell (one layer of the stack above TCP). */
export type StreamProtocol = "MQTT" | "TLS" | "WebSocket" | "TCP";

export type PhaseKind =
  | "tcp-handshake"
  | "tls-handshake"
  | "ws-handshake"
  | "connect"
  | "subscribe"
  | "unsubscribe"
  | "publish"
  | "ping"
  | "auth"
  | "disconnect"
  | "tcp-teardown";

export const phaseKinds: readonly PhaseKind[] = ["tcp-handshake", "tls-handshake", "ws-handshake", "connect", "subscribe", "unsubscribe", "publish", "ping", "auth", "disconnect", "tcp-teardown"];

/** One row of the packet list, like Wireshark's top pane. */
export interface PacketRow {
  /** No. */
  frame: number;
  /** Seconds since the epoch. */
  time: number;
  /** Seconds since the first frame (Wireshark's default Time column). */
  relativeTime: number;
  source: string;
  destination: string;
  protocol: string;
  /** Bytes on the wire. */
  length: number;
  info: string;
  /** tcp.stream, or -1 for packets outside any TCP connection. */
  stream: number;
  direction?: Direction;
  /** The phase this packet belongs to. */
  phase?: PhaseKind;
  /** TCP fields, relative as Wireshark shows them (tcp.seq, tcp.ack, tcp.len). */
  srcPort?: number;
  dstPort?: number;
  seq?: number;
  ack?: number;
  tcpLength?: number;
  /** tcp.flags as a number (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, …). */
  tcpFlags?: number;
}

/** A TLS handshake as the `tls-handshake` phase and the connection summary report it. */
export interface TlsHandshakeInfo {
  /** Negotiated version as Wireshark names it ("TLSv1.3", "TLSv1.2"); absent when the ServerHello was not seen. */
  version?: string;
  /** Negotiated cipher suite (IANA name, e.g. "TLS_AES_128_GCM_SHA256"). */
  cipherSuite?: string;
  /** SNI from the ClientHello (tls.handshake.extensions_server_name). */
  serverName?: string;
  /** ALPN the server chose (TLS 1.3: read from EncryptedExtensions, so only when decrypted). */
  alpn?: string;
  /** Session resumption (TLS 1.3 PSK accepted, TLS 1.2 session id / ticket). */
  resumed: boolean;
  /** The client sent 0-RTT early data. */
  earlyData: boolean;
  /** Server flights up to its Finished (1 for TLS 1.3, 2 for a full TLS 1.2 handshake). */
  roundTrips: number;
  /** The key log had this connection's secrets: its records were decrypted. */
  decrypted: boolean;
}

/** A WebSocket opening handshake as the `ws-handshake` phase and the connection summary report it. */
export interface WebSocketHandshakeInfo {
  /** Request target of the GET ("/mqtt"). */
  path: string;
  /** Sec-WebSocket-Protocol the server chose ("mqtt"). */
  protocol?: string;
  /** permessage-deflate was agreed. */
  deflate: boolean;
  /** HTTP status of the response (101 when accepted); absent when no response was captured. */
  status?: number;
}

/** Bytes and packets of a phase in one direction. */
export interface PhaseTraffic {
  packets: number;
  /** Frame bytes on the wire. */
  bytes: number;
  /** Link + IP + TCP header bytes. */
  tcpIpBytes: number;
  /** MQTT bytes other than application payload (fixed + variable headers, CONNECT fields, …). */
  mqttHeaderBytes: number;
  /** PUBLISH application payload bytes. */
  payloadBytes: number;
  /** Bytes of the layers under MQTT: TLS records (handshake, headers, tags), WebSocket frame headers, the HTTP upgrade. Absent for plain MQTT. */
  layerBytes?: number;
}

export type PhaseStatus = "complete" | "unanswered" | "refused" | "request-not-captured" | "incomplete" | "reset";

/** One step of a conversation: handshake, CONNECT→CONNACK, PUBLISH→PUBACK, … */
export interface Phase {
  id: number;
  stream: number;
  kind: PhaseKind;
  status: PhaseStatus;
  /** Seconds since the epoch. */
  start: number;
  end: number;
  /** Seconds since the capture's first frame (exact; use these for durations and charts). */
  relativeStart: number;
  relativeEnd: number;
  /** Response time: request → final response (for the handshake, SYN → ACK), seconds. */
  latency?: number;
  startFrame: number;
  endFrame: number;
  /** Every frame attributed to the phase, including pure ACKs. */
  frames: number[];
  clientToServer: PhaseTraffic;
  serverToClient: PhaseTraffic;
  /** publish: who sent the PUBLISH. */
  direction?: Direction;
  messageId?: number;
  topic?: string;
  qos?: number;
  /** The messages of the phase in order: type, frame and time of each step. */
  steps: Array<{ type: string; frame: number; time: number; relativeTime: number; direction: Direction }>;
  /** connect */
  clientId?: string;
  username?: string;
  keepalive?: number;
  protocolVersion?: number;
  returnCode?: number;
  reasonCode?: number;
  sessionPresent?: boolean;
  /** subscribe */
  topics?: string[];
  requestedQos?: number[];
  granted?: number[];
  /** tcp-handshake: SYN → SYN/ACK and SYN/ACK → ACK, seconds. */
  synToSynAck?: number;
  synAckToAck?: number;
  /** tls-handshake: version, cipher suite, SNI, ALPN, resumption (latency: ClientHello → server Finished). */
  tls?: TlsHandshakeInfo;
  /** ws-handshake: path, subprotocol, compression (latency: GET → 101). */
  websocket?: WebSocketHandshakeInfo;
  /** tcp-teardown */
  initiator?: "client" | "server";
  closedBy?: "fin" | "rst";
  halfClose?: boolean;
}

/** A TCP connection (Wireshark's tcp.stream). */
export interface ConnectionSummary {
  stream: number;
  /** The top protocol found: "MQTT" when MQTT was decoded, "TLS" when encrypted and not decrypted, … */
  protocol: StreamProtocol;
  /**
   * What runs above TCP, outermost first, when more than one layer does:
   * ["TLS", "MQTT"], ["WebSocket", "MQTT"], ["TLS", "WebSocket", "MQTT"].
   * Present whenever TLS or WebSocket runs (["TLS"] for TLS without keys); absent for plain MQTT or TCP.
   */
  layers?: StreamProtocol[];
  /** The TLS handshake, when the stream runs TLS. */
  tls?: TlsHandshakeInfo;
  /** The WebSocket upgrade, when the stream runs WebSocket. */
  websocket?: WebSocketHandshakeInfo;
  client: string;
  clientPort: number;
  server: string;
  serverPort: number;
  /** How the client/server roles were decided. */
  roles: "syn" | "syn-ack" | "port" | "guess";
  ipVersion: 4 | 6;
  firstFrame: number;
  lastFrame: number;
  start: number;
  end: number;
  packets: { clientToServer: number; serverToClient: number };
  bytes: { clientToServer: number; serverToClient: number };
  /** TCP payload bytes. */
  payloadBytes: { clientToServer: number; serverToClient: number };
  handshake: "complete" | "partial" | "not-captured";
  /** Initial RTT: SYN → ACK, seconds (tcp.analysis.initial_rtt). */
  initialRtt?: number;
  state: "open" | "closed" | "reset" | "half-closed";
  closedBy?: "client" | "server";
  mqtt?: {
    protocolVersion: number;
    versionFromConnect: boolean;
    clientId?: string;
    username?: string;
    messages: number;
  };
  /** TCP analysis counts. */
  retransmissions: number;
  outOfOrder: number;
  lostSegments: number;
  lostBytes: number;
  duplicateAcks: number;
}

export interface CaptureSummary extends CaptureInfo {
  /** File name, when read from a file. */
  source?: string;
  frames: number;
  bytes: number;
  start?: number;
  end?: number;
  duration: number;
  connections: number;
  mqttMessages: number;
  phases: number;
  issueCounts: Record<string, number>;
}

export interface Analysis {
  capture: CaptureSummary;
  connections: ConnectionSummary[];
  messages: MqttMessage[];
  phases: Phase[];
  packets: PacketRow[];
  issues: Issue[];
}

/** Events of the streaming form, in capture order (phases when they settle). */
export type AnalysisEvent =
  | { kind: "capture"; capture: CaptureInfo }
  | { kind: "packet"; packet: PacketRow }
  | { kind: "message"; message: MqttMessage }
  | { kind: "phase"; phase: Phase }
  | { kind: "connection"; connection: ConnectionSummary }
  | { kind: "issue"; issue: Issue }
  | { kind: "end"; capture: CaptureSummary };
