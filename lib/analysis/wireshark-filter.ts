/**
 * The Wireshark display filter that shows the same packets as a phase, so a
 * reader can carry what a notebook shows straight into Wireshark (or `tshark
 * -Y`). Filters use Wireshark's own field names (epan/dissectors/packet-mqtt.c,
 * packet-tcp.c) and only syntax that Wireshark 3.x and 4.x both read: `==`,
 * `&&`, `||` and parentheses, no set literals.
 *
 * Two forms:
 *
 * - For a kind of phase, the packets that make it, in every connection:
 *   `wiresharkFilter("connect")` → `mqtt.msgtype == 1 || mqtt.msgtype == 2`.
 * - For one phase of an analysis, exactly that phase's frames:
 *   `tcp.stream == 0 && (mqtt.msgtype == 1 || mqtt.msgtype == 2 || (… pure
 *   ACKs …))`. MQTT messages are picked by type (and Packet Identifier where
 *   the type alone would pick others too); TCP-only packets by their flags;
 *   pure ACKs by the frame they acknowledge (`tcp.analysis.acks_frame`, which
 *   Wireshark's TCP analysis sets on the first segment whose acknowledgment
 *   number equals a segment's next sequence number). Whatever cannot be named
 *   that way is named by `frame.number`.
 *
 * The unit test runs every filter through tshark on the fixture captures and
 * checks that it selects exactly the phase's frames.
 */
import type { Analysis, PacketRow, Phase, PhaseKind } from "../analysis/types";
import { PacketType } from "../mqtt/constants";

/** mqtt.msgtype values of each kind of phase (MQTT 5 §2.1.2; 3.1.1 §2.2.1). */
export const phaseMessageTypes: Readonly<Record<Exclude<PhaseKind, "tcp-handshake" | "tls-handshake" | "ws-handshake" | "tcp-teardown">, readonly number[]>> = {
  connect: [PacketType.CONNECT, PacketType.CONNACK],
  subscribe: [PacketType.SUBSCRIBE, PacketType.SUBACK],
  unsubscribe: [PacketType.UNSUBSCRIBE, PacketType.UNSUBACK],
  publish: [PacketType.PUBLISH, PacketType.PUBACK, PacketType.PUBREC, PacketType.PUBREL, PacketType.PUBCOMP],
  ping: [PacketType.PINGREQ, PacketType.PINGRESP],
  disconnect: [PacketType.DISCONNECT],
  auth: [PacketType.AUTH],
};

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

export interface WiresharkFilterOptions {
  /**
   * Include the phase's pure ACKs (default true): the filter then selects
   * every frame of `phase.frames`. False selects only the frames of
   * `phase.steps` (the messages, and for TCP phases the flag packets).
   */
  acks?: boolean;
}

function anyOf(terms: readonly string[]): string {
  return terms.join(" || ");
}

function msgtypes(types: readonly number[]): string {
  return anyOf(types.map((t) => `mqtt.msgtype == ${t}`));
}

function kindFilter(kind: PhaseKind): string {
  switch (kind) {
    case "tcp-handshake":
      return "tcp.flags.syn == 1";
    case "tcp-teardown":
      return "tcp.flags.fin == 1 || tcp.flags.reset == 1";
    case "tls-handshake":
      return "tls.handshake || tls.change_cipher_spec";
    case "ws-handshake":
      return "http.request.method == \"GET\" || http.response.code == 101";
    default:
      return msgtypes(phaseMessageTypes[kind]);
  }
}

/** What one frame of a stream holds, for deciding which terms pick it. */
interface FrameFacts {
  frame: number;
  packet: PacketRow | undefined;
  types: Set<number>;
  ids: Set<number>;
}

function streamFacts(analysis: Analysis, stream: number): Map<number, FrameFacts> {
  const facts = new Map<number, FrameFacts>();
  const get = (frame: number) => {
    let f = facts.get(frame);
    if (!f) facts.set(frame, (f = { frame, packet: undefined, types: new Set(), ids: new Set() }));
    return f;
  };
  for (const p of analysis.packets) if (p.stream === stream) get(p.frame).packet = p;
  for (const m of analysis.messages) {
    if (m.stream !== stream || m.type === "RESERVED") continue;
    // Wireshark shows a message in the frame where its last byte arrived.
    const f = get(m.frame);
    f.types.add(PacketType[m.type]);
    if (m.messageId !== undefined) f.ids.add(m.messageId);
  }
  return facts;
}

/** Relative sequence number just past this segment (SYN and FIN count one each). */
function nextSeq(p: PacketRow): number | undefined {
  if (p.seq === undefined) return undefined;
  const flags = p.tcpFlags ?? 0;
  return p.seq + (p.tcpLength ?? 0) + (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0);
}

function isPureAck(p: PacketRow | undefined): boolean {
  return p !== undefined && (p.tcpLength ?? 0) === 0 && (p.tcpFlags ?? 0) === ACK;
}

/**
 * For every segment that acknowledges one, the frame it acknowledges, as
 * Wireshark's tcp.analysis.acks_frame: each direction keeps the segments it
 * sent that are not yet acknowledged (those with data, SYN or FIN); an
 * acknowledgment equal to one's next sequence number names that frame, and
 * every segment it covers is then forgotten.
 */
function acknowledgedFrames(stream: readonly PacketRow[]): Map<number, number> {
  const acked = new Map<number, number>();
  const unacked = new Map<string, PacketRow[]>();
  for (const p of stream) {
    if (p.direction === undefined || p.seq === undefined) continue;
    const flags = p.tcpFlags ?? 0;
    if (flags & ACK && p.ack !== undefined) {
      const other = p.direction === "client->server" ? "server->client" : "client->server";
      const pending = unacked.get(other) ?? [];
      const exact = pending.find((s) => nextSeq(s) === p.ack);
      if (exact) acked.set(p.frame, exact.frame);
      unacked.set(
        other,
        pending.filter((s) => (nextSeq(s) ?? 0) > p.ack!),
      );
    }
    if ((p.tcpLength ?? 0) > 0 || flags & (SYN | FIN)) {
      const mine = unacked.get(p.direction) ?? [];
      mine.push(p);
      unacked.set(p.direction, mine);
    }
  }
  return acked;
}

/** The Wireshark display filter for every packet of this kind of phase, in any connection. */
export function wiresharkFilter(kind: PhaseKind): string;
/** The Wireshark display filter that selects exactly this phase's frames. */
export function wiresharkFilter(phase: Phase, analysis: Analysis, options?: WiresharkFilterOptions): string;
export function wiresharkFilter(target: PhaseKind | Phase, analysis?: Analysis, options: WiresharkFilterOptions = {}): string {
  if (typeof target === "string") return kindFilter(target);
  if (!analysis) throw new Error("wiresharkFilter(phase, analysis): the analysis the phase came from is needed to name its frames");
  return phaseFilter(target, analysis, options.acks ?? true);
}

function phaseFilter(phase: Phase, analysis: Analysis, acks: boolean): string {
  const facts = streamFacts(analysis, phase.stream);
  const streamPackets = analysis.packets.filter((p) => p.stream === phase.stream);
  const wanted = new Set<number>(acks ? phase.frames : phase.steps.map((s) => s.frame));
  const stepFrames = new Set(phase.steps.map((s) => s.frame));

  // 1. The phase's defining packets, by type or flags.
  let key: string;
  let keyMatches: (f: FrameFacts) => boolean;
  if (phase.kind === "tcp-handshake") {
    key = "tcp.flags.syn == 1";
    keyMatches = (f) => ((f.packet?.tcpFlags ?? 0) & SYN) !== 0;
  } else if (phase.kind === "tcp-teardown") {
    const flags = phase.closedBy === "rst" ? RST : FIN | RST;
    key = phase.closedBy === "rst" ? "tcp.flags.reset == 1" : "tcp.flags.fin == 1 || tcp.flags.reset == 1";
    keyMatches = (f) => ((f.packet?.tcpFlags ?? 0) & flags) !== 0;
  } else if (analysis.connections.find((c) => c.stream === phase.stream)?.layers?.includes("WebSocket")) {
    // Wireshark's MQTT dissector does not register on WebSocket ("WebSocket Binary" is as far as it goes),
    // so no mqtt.* field matches there: the messages are named by frame number below.
    key = "";
    keyMatches = () => false;
  } else {
    const types = typesOfPhase(phase, facts);
    key = msgtypes(types);
    keyMatches = (f) => types.some((t) => f.types.has(t));
    // Another phase of the same kind in this connection: narrow by Packet Identifier.
    if (phase.messageId !== undefined && [...facts.values()].some((f) => keyMatches(f) && !wanted.has(f.frame))) {
      const id = phase.messageId;
      const byType = keyMatches;
      key = `${group(key)} && mqtt.msgid == ${id}`;
      keyMatches = (f) => byType(f) && f.ids.has(id);
    }
  }
  let picked = [...facts.values()].filter(keyMatches).map((f) => f.frame);
  const terms: string[] = [];
  if (picked.length > 0 && picked.every((frame) => wanted.has(frame)) && picked.some((frame) => stepFrames.has(frame))) {
    terms.push(key.includes("&&") ? `(${key})` : key);
  } else {
    picked = [];
  }

  // 2. Pure ACKs (and anything else) by the frame they acknowledge, else by number.
  const rest = [...wanted].filter((frame) => !picked.includes(frame)).sort((a, b) => a - b);
  const ackTerms: string[] = [];
  const byNumber: number[] = [];
  const ackTargets = acknowledgedFrames(streamPackets);
  for (const frame of rest) {
    const packet = facts.get(frame)?.packet;
    const target = ackTargets.get(frame);
    // The name must be unique: no other pure ACK of the stream acknowledges the same frame.
    const unique = target !== undefined && [...ackTargets.entries()].every(([other, t]) => other === frame || t !== target || !isPureAck(facts.get(other)?.packet));
    if (packet && isPureAck(packet) && unique) ackTerms.push(`tcp.analysis.acks_frame == ${target}`);
    else byNumber.push(frame);
  }
  if (ackTerms.length > 0) terms.push(`(tcp.flags == 0x010 && tcp.len == 0 && ${group(anyOf(ackTerms))})`);
  if (byNumber.length > 0) terms.push(anyOf(byNumber.map((n) => `frame.number == ${n}`)));
  if (terms.length === 0) return `tcp.stream == ${phase.stream} && frame.number == 0`;
  return `tcp.stream == ${phase.stream} && ${group(terms.join(" || "))}`;
}

/** MQTT's registered port: Wireshark decodes it as MQTT without being told. */
const MQTT_PORT = 1883;

/**
 * A display filter as a reader should paste it: when it names MQTT (the protocol or its fields)
 * and MQTT ran on other ports than 1883, Wireshark shows nothing until those
 * ports are decoded as MQTT, so the filter carries the Decode As option
 * (`-d tcp.port==N,mqtt`, the same for wireshark and tshark).
 */
export function withDecodeAs(filter: string, mqttPorts: readonly number[]): string {
  const ports = [...new Set(mqttPorts)].filter((port) => port !== MQTT_PORT);
  if (ports.length === 0 || !/\bmqtt\b/.test(filter)) return filter;
  return `${filter}   (Decode As first: ${ports.map((port) => `-d tcp.port==${port},mqtt`).join(" ")})`;
}

/** Parentheses around an expression with a top-level `||`, so that `&&` binds as meant. */
function group(expression: string): string {
  let depth = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (depth === 0 && expression.startsWith("||", i)) return `(${expression})`;
  }
  return expression;
}

/**
 * The packet that acknowledged a frame's data (or SYN/FIN) at the TCP level:
 * a pure ACK, or a packet of the other side that carried data as well.
 * Undefined when the capture holds no such packet.
 */
export function acknowledgedBy(analysis: Analysis, frame: number): PacketRow | undefined {
  const packet = analysis.packets.find((p) => p.frame === frame);
  if (!packet || packet.stream < 0) return undefined;
  const stream = analysis.packets.filter((p) => p.stream === packet.stream);
  for (const [ack, acked] of acknowledgedFrames(stream)) {
    if (acked === frame) return stream.find((p) => p.frame === ack);
  }
  // A later acknowledgment that covers this segment along with others.
  const next = nextSeq(packet);
  if (next === undefined) return undefined;
  return stream.find((p) => p.frame > frame && p.direction !== packet.direction && p.ack !== undefined && p.ack >= next && ((p.tcpFlags ?? 0) & ACK) !== 0);
}

/** The MQTT types a phase's steps have, in the order of phaseMessageTypes. */
function typesOfPhase(phase: Phase, facts: Map<number, FrameFacts>): number[] {
  const present = new Set<number>();
  for (const step of phase.steps) {
    const type = (PacketType as Record<string, number>)[step.type];
    if (type !== undefined) present.add(type);
    else for (const t of facts.get(step.frame)?.types ?? []) present.add(t);
  }
  const order = phaseMessageTypes[phase.kind as keyof typeof phaseMessageTypes] ?? [];
  return [...order.filter((t) => present.has(t)), ...[...present].filter((t) => !order.includes(t)).sort((a, b) => a - b)];
}
