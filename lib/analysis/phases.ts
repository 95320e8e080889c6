/**
 * Phases: the steps of a device's conversation, each a request and its
 * response(s). This module holds the pieces shared by every phase kind; the
 * matching of requests to responses happens per connection (connection.ts).
 */
import { describeReturnCode, PacketType, type PacketTypeName } from "../mqtt/constants";
import { isMessage, type MessageOfType } from "../mqtt/types";
import { formatDuration } from "./format";
import type { Analysis, Direction, MqttMessage, Phase, PhaseKind, PhaseTraffic } from "./types";

/** Which phase an MQTT packet type belongs to. */
export const phaseOfPacketType: readonly (PhaseKind | undefined)[] = [
  undefined,
  "connect", // CONNECT
  "connect", // CONNACK
  "publish", // PUBLISH
  "publish", // PUBACK
  "publish", // PUBREC
  "publish", // PUBREL
  "publish", // PUBCOMP
  "subscribe", // SUBSCRIBE
  "subscribe", // SUBACK
  "unsubscribe", // UNSUBSCRIBE
  "unsubscribe", // UNSUBACK
  "ping", // PINGREQ
  "ping", // PINGRESP
  "disconnect", // DISCONNECT
  "auth", // AUTH
];

export function emptyTraffic(): PhaseTraffic {
  return { packets: 0, bytes: 0, tcpIpBytes: 0, mqttHeaderBytes: 0, payloadBytes: 0 };
}

/**
 * A phase while it is being built, with the bookkeeping that is not published.
 *
 * Each kind of phase adds its own fields to its Phase object (a publish its
 * topic and QoS, a connect its clientId…), so Phase objects come in many
 * shapes, and reading one of their fields on the hot path (every frame and
 * every message lands here) is a megamorphic property load. The record keeps
 * what addFrame and addStep read, in one shape: the phase's arrays and
 * traffic objects (the very objects the phase holds) and copies of the span's
 * bounds, written through to the phase whenever they change, so the phase is
 * always current.
 */
export class PhaseRecord {
  readonly phase: Phase;
  /** The phase's kind and relative start (they never change). */
  readonly kind: PhaseKind;
  readonly relativeStart: number;
  /** Handed to the sink; later traffic is no longer added. */
  emitted = false;
  /** Complete (or otherwise settled): no further messages will join it. */
  settled = false;
  /** The connection's message count when it settled (emission waits a little for trailing ACKs). */
  settledAtMessage = 0;
  /** The next phase in the connection's queue of settled phases waiting to be emitted. */
  nextSettled: PhaseRecord | undefined = undefined;
  // The phase's own arrays and traffic objects, and copies of its bounds.
  private readonly frames: number[];
  private readonly steps: Phase["steps"];
  private readonly clientToServer: PhaseTraffic;
  private readonly serverToClient: PhaseTraffic;
  private startFrame: number;
  private endFrame: number;
  private relativeEnd: number;

  constructor(id: number, stream: number, kind: PhaseKind, frame: number, time: number, relativeTime: number) {
    this.kind = kind;
    this.relativeStart = relativeTime;
    this.frames = [];
    this.steps = [];
    this.clientToServer = emptyTraffic();
    this.serverToClient = emptyTraffic();
    this.startFrame = frame;
    this.endFrame = frame;
    this.relativeEnd = relativeTime;
    this.phase = {
      id,
      stream,
      kind,
      status: "incomplete",
      start: time,
      end: time,
      relativeStart: relativeTime,
      relativeEnd: relativeTime,
      startFrame: frame,
      endFrame: frame,
      frames: this.frames,
      clientToServer: this.clientToServer,
      serverToClient: this.serverToClient,
      steps: this.steps,
    };
  }

  /** Count a frame (once) and bytes toward this phase. */
  addFrame(frame: number, time: number, relativeTime: number, fromClient: boolean, countPacket: boolean, tcpIpBytes: number, mqttHeaderBytes: number, payloadBytes: number): void {
    if (this.emitted) return;
    const traffic = fromClient ? this.clientToServer : this.serverToClient;
    if (countPacket) {
      traffic.packets++;
      const frames = this.frames;
      if (frames.length === 0 || frames[frames.length - 1] !== frame) frames.push(frame);
      this.extendTo(frame, time, relativeTime);
      if (frame < this.startFrame) {
        this.startFrame = frame;
        this.phase.startFrame = frame;
      }
    }
    traffic.tcpIpBytes += tcpIpBytes;
    traffic.mqttHeaderBytes += mqttHeaderBytes;
    traffic.payloadBytes += payloadBytes;
    traffic.bytes += tcpIpBytes + mqttHeaderBytes + payloadBytes;
  }

  /** Bytes of the layers under MQTT (TLS records, WebSocket frames, the HTTP upgrade) toward this phase. */
  addLayerBytes(fromClient: boolean, bytes: number): void {
    if (this.emitted || bytes === 0) return;
    const traffic = fromClient ? this.phase.clientToServer : this.phase.serverToClient;
    traffic.layerBytes = (traffic.layerBytes ?? 0) + bytes;
    traffic.bytes += bytes;
  }

  addStep(type: string, frame: number, time: number, relativeTime: number, direction: Direction): void {
    this.steps.push({ type, frame, time, relativeTime, direction });
    this.extendTo(frame, time, relativeTime);
  }

  /** The phase reaches `frame` at `relativeTime` (its end moves only forward). */
  private extendTo(frame: number, time: number, relativeTime: number): void {
    if (frame > this.endFrame) {
      this.endFrame = frame;
      this.phase.endFrame = frame;
    }
    if (relativeTime > this.relativeEnd) {
      this.relativeEnd = relativeTime;
      const phase = this.phase;
      phase.end = time;
      phase.relativeEnd = relativeTime;
    }
  }

  /** Returns true the first time (the phase was not settled before). */
  settle(status: Phase["status"], messageCount: number): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.settledAtMessage = messageCount;
    this.phase.status = status;
    return true;
  }
}

/**
 * The one-line description shown in phase tables, e.g.
 * "PUBLISH → PUBACK (id=1, QoS 1) [/pk/dev/user/update] device → platform in 0.4 ms".
 * Computed on demand: a million-packet capture has half a million phases.
 */
export function describePhase(phase: Phase): string {
  const steps = phase.steps.map((s) => s.type).join(" → ");
  const latency = phase.latency !== undefined ? ` in ${formatDuration(phase.latency)}` : "";
  switch (phase.kind) {
    case "tcp-handshake":
      if (phase.status === "complete") return `SYN → SYN/ACK → ACK, RTT ${formatDuration(phase.latency)}`;
      return `${steps || "SYN"} (handshake ${phase.status})`;
    case "connect": {
      const code = phase.reasonCode ?? phase.returnCode;
      const outcome = code !== undefined ? ` (${describeReturnCode(code, phase.protocolVersion ?? 4)})` : "";
      const who = phase.clientId !== undefined ? ` clientId=${phase.clientId}` : "";
      return `${steps}${outcome}${latency}${statusSuffix(phase)}${who}`;
    }
    case "publish": {
      const id = phase.messageId !== undefined ? `id=${phase.messageId}, ` : "";
      const arrow = phase.direction === "server->client" ? "platform → device" : "device → platform";
      return `${steps} (${id}QoS ${phase.qos ?? 0}) [${phase.topic ?? ""}] ${arrow}${latency}${statusSuffix(phase)}`;
    }
    case "subscribe": {
      const granted = phase.granted ? ` granted ${phase.granted.map((g) => (g === 0x80 ? "failure" : `QoS ${g}`)).join(", ")}` : "";
      return `${steps} [${(phase.topics ?? []).join(", ")}]${granted}${latency}${statusSuffix(phase)}`;
    }
    case "tcp-teardown": {
      const by = phase.initiator ? `${phase.initiator} closes` : "close";
      const how = phase.closedBy === "rst" ? "with RST" : `${phase.frames.length} packet(s)`;
      return `${by}: ${steps} (${how}${phase.halfClose ? ", half-close" : ""})${statusSuffix(phase)}`;
    }
    default:
      return `${steps}${latency}${statusSuffix(phase)}`;
  }
}

function statusSuffix(phase: Phase): string {
  return phase.status === "complete" ? "" : ` [${phase.status}]`;
}

export function isRequestType(type: MqttMessage["type"]): boolean {
  const n = type === "RESERVED" ? 0 : PacketType[type];
  return n === PacketType.CONNECT || n === PacketType.SUBSCRIBE || n === PacketType.UNSUBSCRIBE || n === PacketType.PINGREQ || n === PacketType.PUBLISH;
}

/**
 * The whole message of `type` among a phase's steps, narrowed to that type:
 * `messageOf(analysis, connect, "CONNECT").clientId` is a string. Throws
 * (naming the phase) when the phase has no such message, e.g. a connect phase
 * whose CONNECT was not captured, or one that was cut by the snapshot length:
 * a notebook's way of saying "this capture must have it".
 */
export function messageOf<T extends PacketTypeName>(analysis: Pick<Analysis, "messages">, phase: Phase, type: T): MessageOfType<T> {
  for (const step of phase.steps) {
    if (step.type !== type) continue;
    for (const m of analysis.messages) {
      if (m.frame === step.frame && m.stream === phase.stream && isMessage(m, type)) return m;
    }
  }
  throw new RangeError(`phase ${phase.id} (${phase.kind}, tcp.stream ${phase.stream}) has no whole ${type} message`);
}
