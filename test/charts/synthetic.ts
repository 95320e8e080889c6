// A synthetic Analysis for chart, display and report tests: a fleet of MQTT
// devices, each doing TCP handshake, CONNECT, SUBSCRIBE, a run of QoS 1
// PUBLISHes (every tenth exchange a PINGREQ), DISCONNECT and the TCP
// teardown. Built in code, so scale tests need no multi-gigabyte capture.
//
// Connection c is 10.0.x.y:(40000 + c) → 192.0.2.10:1883; its phase i starts
// at i × 10 ms + c × 5 µs. Every TCP/IP header is 66 bytes (Ethernet 14 +
// IPv4 20 + TCP 32 with timestamps), as on a Linux loopback capture.
import type { Analysis, ConnectionSummary, Direction, PacketRow, Phase, PhaseKind, PhaseTraffic } from "../../lib/analysis/types";

export interface SyntheticOptions {
  connections: number;
  /** Phases per connection, at least 6 (handshake, connect, subscribe, …, disconnect, teardown). */
  phasesPerConnection: number;
  /** Build the packet list (default true). */
  packets?: boolean;
  /** PUBLISH payload bytes (default 42: a small JSON reading). */
  payload?: number;
}

const HEADERS = 66;
const EPOCH = 1_700_000_000;
const SERVER = "192.0.2.10";

// TCP flags (RFC 9293): FIN 0x01, SYN 0x02, PSH 0x08, ACK 0x10.
const FIN = 0x01;
const SYN = 0x02;
const PSH = 0x08;
const ACK = 0x10;

function traffic(): PhaseTraffic {
  return { packets: 0, bytes: 0, tcpIpBytes: 0, mqttHeaderBytes: 0, payloadBytes: 0 };
}

function kindAt(i: number, count: number): PhaseKind {
  if (i === 0) return "tcp-handshake";
  if (i === 1) return "connect";
  if (i === 2) return "subscribe";
  if (i === count - 2) return "disconnect";
  if (i === count - 1) return "tcp-teardown";
  return i % 10 === 9 ? "ping" : "publish";
}

/** One packet of a phase: direction, TCP payload split into MQTT header and payload, flags, Info. */
interface Step {
  dir: Direction;
  mqttHeader: number;
  payload: number;
  flags: number;
  info: string;
  type?: string;
}

function stepsOf(kind: PhaseKind, id: number, payload: number): Step[] {
  const c2s: Direction = "client->server";
  const s2c: Direction = "server->client";
  switch (kind) {
    case "tcp-handshake":
      return [
        { dir: c2s, mqttHeader: 0, payload: 0, flags: SYN, info: "SYN" },
        { dir: s2c, mqttHeader: 0, payload: 0, flags: SYN | ACK, info: "SYN, ACK" },
        { dir: c2s, mqttHeader: 0, payload: 0, flags: ACK, info: "ACK" },
      ];
    case "connect":
      return [
        { dir: c2s, mqttHeader: 60, payload: 0, flags: PSH | ACK, info: "Connect Command", type: "CONNECT" },
        { dir: s2c, mqttHeader: 4, payload: 0, flags: PSH | ACK, info: "Connect Ack", type: "CONNACK" },
      ];
    case "subscribe":
      return [
        { dir: c2s, mqttHeader: 30, payload: 0, flags: PSH | ACK, info: "Subscribe Request (id=1) [devices/+/set]", type: "SUBSCRIBE" },
        { dir: s2c, mqttHeader: 5, payload: 0, flags: PSH | ACK, info: "Subscribe Ack (id=1)", type: "SUBACK" },
      ];
    case "publish":
      return [
        { dir: c2s, mqttHeader: 28, payload, flags: PSH | ACK, info: `Publish Message (id=${id}) [devices/sensor/telemetry]`, type: "PUBLISH" },
        { dir: s2c, mqttHeader: 4, payload: 0, flags: PSH | ACK, info: `Publish Ack (id=${id})`, type: "PUBACK" },
      ];
    case "ping":
      return [
        { dir: c2s, mqttHeader: 2, payload: 0, flags: PSH | ACK, info: "Ping Request", type: "PINGREQ" },
        { dir: s2c, mqttHeader: 2, payload: 0, flags: PSH | ACK, info: "Ping Response", type: "PINGRESP" },
      ];
    case "disconnect":
      return [{ dir: c2s, mqttHeader: 2, payload: 0, flags: PSH | ACK, info: "Disconnect Req", type: "DISCONNECT" }];
    default:
      return [
        { dir: c2s, mqttHeader: 0, payload: 0, flags: FIN | ACK, info: "FIN, ACK" },
        { dir: s2c, mqttHeader: 0, payload: 0, flags: FIN | ACK, info: "FIN, ACK" },
        { dir: c2s, mqttHeader: 0, payload: 0, flags: ACK, info: "ACK" },
      ];
  }
}

export function syntheticAnalysis(options: SyntheticOptions): Analysis {
  const count = Math.max(6, options.phasesPerConnection);
  const withPackets = options.packets ?? true;
  const payload = options.payload ?? 42;
  const packets: PacketRow[] = [];
  const phases: Phase[] = [];
  const connections: ConnectionSummary[] = [];
  const clientSeq = new Float64Array(options.connections);
  const serverSeq = new Float64Array(options.connections);
  let frame = 0;
  let bytes = 0;
  let messages = 0;
  for (let c = 0; c < options.connections; c++) {
    connections.push({
      stream: c,
      protocol: "MQTT",
      client: `10.0.${c >> 8}.${c & 255}`,
      clientPort: 40000 + (c % 20000),
      server: SERVER,
      serverPort: 1883,
      roles: "syn",
      ipVersion: 4,
      firstFrame: 0,
      lastFrame: 0,
      start: EPOCH,
      end: EPOCH,
      packets: { clientToServer: 0, serverToClient: 0 },
      bytes: { clientToServer: 0, serverToClient: 0 },
      payloadBytes: { clientToServer: 0, serverToClient: 0 },
      handshake: "complete",
      state: "closed",
      closedBy: "client",
      mqtt: { protocolVersion: 4, versionFromConnect: true, clientId: `sensor-${String(c).padStart(4, "0")}`, messages: 0 },
      retransmissions: 0,
      outOfOrder: 0,
      lostSegments: 0,
      lostBytes: 0,
      duplicateAcks: 0,
    });
  }
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < options.connections; c++) {
      const kind = kindAt(i, count);
      const start = i * 0.01 + c * 5e-6;
      // A response time that varies by device and exchange: 150–645 µs.
      const latency = 150e-6 + ((c * 7 + i * 13) % 100) * 5e-6;
      const steps = stepsOf(kind, (i % 65535) + 1, payload);
      const phase: Phase = {
        id: phases.length,
        stream: c,
        kind,
        status: "complete",
        start: EPOCH + start,
        end: EPOCH + start,
        relativeStart: start,
        relativeEnd: start,
        startFrame: frame + 1,
        endFrame: frame + steps.length,
        frames: [],
        clientToServer: traffic(),
        serverToClient: traffic(),
        steps: [],
      };
      steps.forEach((s, n) => {
        const t = start + (steps.length === 1 ? 0 : (latency * n) / (steps.length - 1));
        const tcpLength = s.mqttHeader + s.payload;
        const length = HEADERS + tcpLength;
        frame++;
        bytes += length;
        const toServer = s.dir === "client->server";
        const conn = connections[c];
        const seq = toServer ? clientSeq[c] : serverSeq[c];
        const span = tcpLength + (s.flags & SYN ? 1 : 0) + (s.flags & FIN ? 1 : 0);
        if (toServer) clientSeq[c] += span;
        else serverSeq[c] += span;
        const ack = s.flags & ACK ? (toServer ? serverSeq[c] : clientSeq[c]) : undefined;
        if (withPackets) {
          const row: PacketRow = {
            frame,
            time: EPOCH + t,
            relativeTime: t,
            source: toServer ? conn.client : SERVER,
            destination: toServer ? SERVER : conn.client,
            protocol: s.type ? "MQTT" : "TCP",
            length,
            info: s.type ? s.info : `${toServer ? conn.clientPort : 1883} → ${toServer ? 1883 : conn.clientPort} [${s.info}] Seq=${seq} Len=${tcpLength}`,
            stream: c,
            direction: s.dir,
            phase: kind,
            srcPort: toServer ? conn.clientPort : 1883,
            dstPort: toServer ? 1883 : conn.clientPort,
            seq,
            tcpLength,
            tcpFlags: s.flags,
          };
          if (ack !== undefined) row.ack = ack;
          packets.push(row);
        }
        const side = toServer ? phase.clientToServer : phase.serverToClient;
        side.packets++;
        side.bytes += length;
        side.tcpIpBytes += HEADERS;
        side.mqttHeaderBytes += s.mqttHeader;
        side.payloadBytes += s.payload;
        phase.frames.push(frame);
        if (s.type) {
          messages++;
          phase.steps.push({ type: s.type, frame, time: EPOCH + t, relativeTime: t, direction: s.dir });
        }
        phase.end = EPOCH + t;
        phase.relativeEnd = t;
        conn.packets[toServer ? "clientToServer" : "serverToClient"]++;
        conn.bytes[toServer ? "clientToServer" : "serverToClient"] += length;
      });
      if (kind !== "disconnect") phase.latency = phase.relativeEnd - phase.relativeStart;
      if (kind === "publish") {
        phase.qos = 1;
        phase.direction = "client->server";
        phase.messageId = (i % 65535) + 1;
        phase.topic = "devices/sensor/telemetry";
      }
      if (kind === "connect") phase.clientId = connections[c].mqtt?.clientId;
      phases.push(phase);
    }
  }
  const duration = (count - 1) * 0.01 + options.connections * 5e-6 + 0.001;
  return {
    capture: {
      format: "pcapng",
      byteOrder: "little-endian",
      timestampPrecision: "microseconds",
      version: "1.0",
      interfaces: [{ id: 0, linkType: 1, linkTypeName: "Ethernet", snapLength: 262144, timestampUnitsPerSecond: 1_000_000 }],
      source: "synthetic-fleet.pcapng",
      frames: frame,
      bytes,
      start: EPOCH,
      end: EPOCH + duration,
      duration,
      connections: options.connections,
      mqttMessages: messages,
      phases: phases.length,
      issueCounts: {},
    },
    connections,
    messages: [],
    phases,
    packets,
    issues: [],
  };
}

/** Freezes an object graph, so a builder that writes to its input throws (the tests run in strict mode). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
