/**
 * One TCP connection (one Wireshark tcp.stream) as it unfolds: roles, the
 * three-way handshake, per-direction sequence analysis and reassembly, the
 * application protocol on top (MQTT inline, the fast path; or a stack of
 * consumers from the stream table: TLS → WebSocket → MQTT, see
 * stream-layer.ts), the phases, and the teardown. The analyzer feeds it one segment at a time; it reports messages,
 * phases and issues through the analyzer's sink and frees its buffers as soon
 * as the connection closes.
 */
import { TcpFlag, type TcpHeader } from "../layers/tcp";
import type { DecodedAhead } from "../mqtt/decoded-ahead";
import { MqttFramer, startsWithWholePacket, type PduSink } from "../mqtt/framer";
import { MqttSession, type PacketPlace } from "../mqtt/session";
import { SegmentVerdict, StreamReassembler, type ReassemblyLimits, type ReassemblySink, type SegmentVerdictValue } from "../tcp/reassembly";
import { seqAdd, seqDiff } from "../tcp/sequence";
import { acknowledgeSegment, analyzeSegmentHeader, classifySegmentPayload, sequenceAnalysisPrefix, SequenceAnalysis, SequenceFlag } from "../tcp/sequence-analysis";
import { HandshakeEvent, TcpHandshake } from "../tcp/handshake";
import { finsAcknowledged, sendsAfterPeerFin, stateAfterFin, TeardownEvent, teardownEvent } from "../tcp/teardown";
import { TcpDirection } from "../tcp/direction";
import type { RoleEvidence } from "../tcp/roles";
import type { StreamConsumer } from "../tcp/stream-consumer";
import { looksLikeUpgradeRequest } from "../websocket/http-upgrade";
import { ConnectionIdentity, type Endpoint } from "../tcp/connection-identity";
import { describeIssue, makeIssue, type Issue, type IssueCode, type IssueDescription } from "../expert/issues";
import { PhaseMatcher, seconds, type PhaseMatcherHost } from "./phase-matcher";
import { PhaseRecord, phaseOfPacketType } from "./phases";
import type { HandshakeDetails, LayerHandshakeKind, LayerHost, LayerTable } from "./stream-layer";
import type { ConnectionSummary, MqttMessage, Phase, PhaseKind, PhaseStatus, StreamProtocol } from "./types";

/** What the connection reports to, implemented by the analyzer. */
export interface ConnectionListener {
  message(message: MqttMessage): void;
  phase(phase: Phase): void;
  connection(summary: ConnectionSummary): void;
  issue(issue: Issue): void;
  nextPhaseId(): number;
}

export interface ConnectionOptions {
  redactPasswords: boolean;
  defaultMqttVersion: number;
  maxPacketLength: number;
  reassemblyLimits: ReassemblyLimits;
  /** Which protocol runs on a stream whose server port did not say (its heuristics). */
  protocols: LayerTable;
}


/** Per-frame facts the analyzer needs to build the packet-list row. */
export interface SegmentResult {
  fromClient: boolean;
  relativeSeq: number;
  relativeAck: number;
  /** Window after scaling, as Wireshark shows Win=. */
  window: number;
  /** "[TCP Retransmission] " etc., or "". */
  analysisPrefix: string;
  /** MQTT messages completed in this frame. */
  messages: MqttMessage[];
  /** Units of the layers under MQTT that ended in this frame: Wireshark's Protocol column for each ("TLSv1.3", "WebSocket", "HTTP"), and its Info label. */
  layerProtocols: string[];
  layerLabels: string[];
  /** The frame carried MQTT bytes of a packet that is not complete yet. */
  partialPdu: boolean;
  phase: PhaseKind | undefined;
}

export const sharedResult: SegmentResult = {
  fromClient: true,
  relativeSeq: 0,
  relativeAck: 0,
  window: 0,
  analysisPrefix: "",
  messages: [],
  layerProtocols: [],
  layerLabels: [],
  partialPdu: false,
  phase: undefined,
};

/** Shared empty containers for closed connections (nothing is added to them). */
const noNumbers: number[] = [];

/** Frames waiting for the message they carry part of, per direction, at most (a stream whose records cannot be opened adds none). */
const MAX_PARTIAL_FRAMES = 4096;

/** One direction of the connection: its TCP state (tcp/direction.ts), and the protocol on top. */
class Half extends TcpDirection implements ReassemblySink, PduSink {
  readonly connection: TcpConnection;
  /** Plain MQTT over TCP: the framer, fed straight from reassembly (the fast path). */
  framer: MqttFramer | undefined;
  /** Otherwise the layer on TCP from the stream table (TLS, WebSocket), which feeds what it carries. */
  layer: StreamConsumer | undefined;
  /** The layer hands this direction's bytes up (decrypted, unframed). */
  carrying = false;
  /** Over a layer: the type of the MQTT packet being assembled (0: none), for the phase of the frames carrying its parts. */
  layeredPartialType = 0;
  /** Layer bytes (record and frame headers, tags) not yet credited to a phase. */
  pendingLayerBytes = 0;
  /** Frame in which this side last completed a message. */
  lastMessageFrame = 0;
  /** Phase of the last message this side completed (its ACKs go there). */
  lastPhase: PhaseRecord | undefined;
  /** Frames that carried only part of a packet still being assembled: their overhead waits for the packet's phase. */
  partialFrames: number[] = [];
  partialOverhead: number[] = [];

  constructor(connection: TcpConnection, fromClient: boolean) {
    super(fromClient);
    this.connection = connection;
  }

  // ReassemblySink: in-order bytes go to the protocol framer.
  data(bytes: Uint8Array, start: number, end: number, frame: number): void {
    if (this.framer) this.framer.push(bytes, start, end, frame);
    else if (this.layer) this.layer.data(bytes, start, end, frame);
  }

  gap(length: number, frame: number, cutBySnapshot = false): void {
    if (frame === 0) frame = this.connection.currentFrame;
    if (cutBySnapshot && this.framer) {
      // Wireshark still shows a packet cut by the snapshot length ("[Packet size limited during capture]"): so do we.
      const partial = this.framer.partialPacket();
      if (partial) this.connection.decodeTruncated(this, partial);
      this.framer.cutBySnapshot(length);
    } else {
      this.framer?.gap();
    }
    this.layer?.gap(length, frame);
    this.partialFrames.length = 0;
    this.partialOverhead.length = 0;
    this.connection.report(
      "tcp.reassembly_gap",
      frame,
      describeIssue("tcp.reassembly_gap", { direction: this.direction, missingBytes: length, mqtt: this.framer !== undefined }),
    );
  }

  // PduSink: a framed MQTT packet.
  pdu(bytes: Uint8Array, start: number, end: number, headerLength: number, lastFrame: number, frames: number[] | undefined, tentative: boolean): boolean {
    return this.connection.decodePdu(this, bytes, start, end, headerLength, lastFrame, frames, tentative);
  }

  skipped(byteCount: number, frame: number, reason: "resync" | "too-large" | "malformed-length"): void {
    if (reason === "too-large") {
      this.connection.report("mqtt.too_large", frame, `An MQTT packet of ${byteCount} bytes in the ${this.direction} stream is larger than the decoding limit; it was skipped`);
    } else if (reason === "malformed-length") {
      this.connection.report("mqtt.malformed", frame, `Invalid MQTT Remaining Length (more than 4 bytes, MQTT §1.5.5) in the ${this.direction} stream; ${byteCount} byte(s) skipped until the next packet boundary`);
    }
  }

  resynchronised(byteCount: number, frame: number): void {
    this.connection.report("mqtt.resync", frame, `MQTT decoding of the ${this.direction} stream resumed at a packet boundary after skipping ${byteCount} byte(s)`);
  }
}

/** The connection itself (its endpoints and their matching: tcp/connection-identity.ts). */
export class TcpConnection extends ConnectionIdentity implements PhaseMatcherHost, LayerHost {
  readonly ipVersion: 4 | 6;
  readonly roles: RoleEvidence;
  readonly client: Half;
  readonly server: Half;
  protocol: StreamProtocol | undefined;
  readonly firstFrame: number;
  lastFrame: number;
  readonly startTime: number;
  lastTime: number;
  state: ConnectionSummary["state"] = "open";
  closedBy: "client" | "server" | undefined;
  closedAtTime = 0;
  /** All heavy state released (the connection closed). */
  released = false;

  // Handshake (tcp/handshake.ts), and the phase it maps onto.
  private readonly handshake = new TcpHandshake();
  private handshakePhase: PhaseRecord | undefined;
  initialRtt: number | undefined;

  // Teardown.
  private teardownPhase: PhaseRecord | undefined;

  // MQTT.
  /** The stream's MQTT: level, decoding (mqtt/session.ts). */
  private readonly mqtt: MqttSession;
  /** Reused for every packet: where the one being decoded is. */
  private readonly packetPlace: PacketPlace = { frame: 0, frames: undefined, time: 0, relativeTime: 0, direction: "client->server" };
  /** Requests paired with responses: messages in, phases out (this connection is its host). */
  private readonly matcher: PhaseMatcher;
  private lastPhase: PhaseRecord | undefined;

  /** Sequence analysis findings, reused for every segment (tcp/sequence-analysis.ts). */
  private readonly sequence = new SequenceAnalysis();

  // Layers under MQTT (stream-layer.ts): what runs, their shared sessions, their handshake phases.
  private layers: StreamProtocol[] | undefined;
  private layerState: Map<StreamProtocol, unknown> | undefined;
  private tlsPhase: PhaseRecord | undefined;
  private wsPhase: PhaseRecord | undefined;
  private layerDetails: { tls?: ConnectionSummary["tls"]; websocket?: ConnectionSummary["websocket"] } | undefined;

  // Counters (kept by the sequence analysis).
  retransmissions = 0;
  outOfOrder = 0;
  lostSegments = 0;
  duplicateAcks = 0;

  private readonly listener: ConnectionListener;
  private readonly options: ConnectionOptions;

  /**
   * Per-frame scratch, shared by every connection: the analyzer reads it
   * right after each segment, before the next frame is decoded.
   */
  readonly current: SegmentResult = sharedResult;
  private frameNumber = 0;
  /** The current frame's MQTT packets decoded ahead on the reader thread, when it has some. */
  private frameAhead: DecodedAhead | undefined = undefined;
  private frameTime = 0;
  /** Seconds since the capture's first frame, exact to the nanosecond (epoch floats are not). */
  private frameRelative = 0;
  get currentFrame(): number {
    return this.frameNumber;
  }
  /** Header bytes of the current frame not yet credited to a phase. */
  private frameOverhead = 0;
  private frameCounted = false;

  constructor(
    stream: number,
    ipVersion: 4 | 6,
    client: Endpoint,
    server: Endpoint,
    roles: RoleEvidence,
    protocol: StreamProtocol | undefined,
    frame: number,
    time: number,
    listener: ConnectionListener,
    options: ConnectionOptions,
  ) {
    super(stream, client, server);
    this.ipVersion = ipVersion;
    this.roles = roles;
    this.protocol = protocol;
    this.firstFrame = frame;
    this.lastFrame = frame;
    this.startTime = time;
    this.lastTime = time;
    this.listener = listener;
    this.options = options;
    this.client = new Half(this, true);
    this.server = new Half(this, false);
    this.matcher = new PhaseMatcher(stream, this);
    this.mqtt = new MqttSession(stream, { defaultLevel: options.defaultMqttVersion, redactPasswords: options.redactPasswords }, this);
  }

  /** The base of one side's relative sequence numbers. */
  sequenceBase(ofClient: boolean): number {
    return (ofClient ? this.client : this.server).base;
  }

  report(code: IssueCode, frame: number, message: string | IssueDescription): void {
    this.listener.issue(makeIssue(code, frame, message, this.stream));
  }

  /** MQTT messages decoded on this connection, malformed ones included. */
  get messageCount(): number {
    return this.matcher.messageCount;
  }

  // PhaseMatcherHost ------------------------------------------------------------

  nextPhaseId(): number {
    return this.listener.nextPhaseId();
  }

  phase(phase: Phase): void {
    this.listener.phase(phase);
  }

  openTcpPhaseStatus(phase: Phase): PhaseStatus {
    if (phase.kind === "tcp-handshake") return this.handshake.done ? "complete" : "incomplete";
    return phase.closedBy === "rst" ? "reset" : finsAcknowledged(this.client, this.server) ? "complete" : "incomplete";
  }

  /** Should a SYN on this tuple start a new stream (port reuse)? */
  isReusedBy(tcp: TcpHeader, fromClient: boolean): boolean {
    if (this.state !== "open") return true;
    if ((tcp.flags & (TcpFlag.SYN | TcpFlag.ACK)) !== TcpFlag.SYN) return false;
    const half = fromClient ? this.client : this.server;
    return half.sawSyn && half.isn !== tcp.seq && (this.handshake.done || half.finSeq >= 0);
  }

  /**
   * Process one segment. `bytes[payloadStart, payloadEnd)` is the captured
   * payload; `wireLength` the payload length on the wire; `frameLength` the
   * frame's original length.
   */
  segment(
    frame: number,
    time: number,
    relativeTime: number,
    tcp: TcpHeader,
    fromClient: boolean,
    bytes: Uint8Array,
    payloadStart: number,
    payloadEnd: number,
    wireLength: number,
    frameLength: number,
    synOptions: { mss?: number; windowScale?: number } | undefined,
    ahead?: DecodedAhead,
  ): SegmentResult {
    const result = this.current;
    result.fromClient = fromClient;
    result.analysisPrefix = "";
    // The arrays are read before the next segment and never kept: empty them in place.
    if (result.messages.length > 0) result.messages.length = 0;
    if (result.layerLabels.length > 0) {
      result.layerLabels = [];
      result.layerProtocols = [];
    }
    result.partialPdu = false;
    result.phase = undefined;
    this.frameNumber = frame;
    this.frameAhead = ahead;
    this.frameTime = time;
    this.frameRelative = relativeTime;
    this.frameOverhead = frameLength - wireLength;
    this.frameCounted = false;
    this.lastFrame = frame;
    this.lastTime = time;

    const sender = fromClient ? this.client : this.server;
    const receiver = fromClient ? this.server : this.client;
    const flags = tcp.flags;
    const syn = (flags & TcpFlag.SYN) !== 0;
    const fin = (flags & TcpFlag.FIN) !== 0;
    const rst = (flags & TcpFlag.RST) !== 0;
    const hasAck = (flags & TcpFlag.ACK) !== 0;
    sender.packets++;
    sender.bytes += frameLength;
    sender.payloadBytes += wireLength;

    // Sequence analysis (tcp/sequence-analysis.ts), in three steps around the payload.
    const analysis = this.sequence;
    analyzeSegmentHeader(sender, receiver, tcp, wireLength, frame, synOptions?.windowScale, this, analysis);
    result.relativeSeq = analysis.relativeSeq;
    result.relativeAck = analysis.relativeAck;
    result.window = analysis.window;
    if (analysis.flags !== 0) this.reportHeaderAnalysis(analysis, frame, sender, receiver, hasAck);
    if (syn) this.onSyn(frame, time, hasAck, fromClient);

    // Payload: reassemble in sequence order, then frame and decode.
    let verdict: SegmentVerdictValue | undefined;
    if (wireLength > 0 && (analysis.flags & SequenceFlag.keepAlive) === 0) {
      if (this.protocol === undefined) this.decideProtocol(bytes, payloadStart, payloadEnd, fromClient);
      if (sendsAfterPeerFin(receiver)) this.markHalfClose();
      const reassembler = sender.reassembler ?? this.createReassembler(sender, bytes, payloadStart, payloadEnd);
      const dataSeq = analysis.dataSeq;
      // Bytes before this segment that the receiver already acknowledged were
      // sent but never captured: no point waiting for them.
      if (receiver.lastAck >= 0 && seqDiff(dataSeq, reassembler.expected) > 0 && seqDiff(receiver.lastAck, dataSeq) >= 0) {
        reassembler.skipUnseen(dataSeq);
      }
      verdict = reassembler.push(dataSeq, bytes, payloadStart, payloadEnd, wireLength, frame);
      // After a capture gap, Wireshark decodes the segment in its own frame: a
      // held segment that starts with a whole MQTT packet stops the wait (the
      // hole's bytes, should they come after all, are out of order and, as in
      // Wireshark, not decoded).
      if (verdict === SegmentVerdict.previousSegmentNotCaptured && sender.framer && reassembler.hasPending && startsWithWholePacket(bytes, payloadStart, payloadEnd)) {
        reassembler.giveUpHole();
      }
    }
    const headerFlags = analysis.flags;
    classifySegmentPayload(sender, receiver, tcp, wireLength, verdict, this, analysis);
    if (analysis.flags !== headerFlags) this.reportPayloadAnalysis(analysis, frame, sender, wireLength);
    acknowledgeSegment(sender, receiver, tcp, wireLength, this, analysis);
    result.analysisPrefix = sequenceAnalysisPrefix(analysis);

    // Teardown (RFC 9293 §3.6).
    if (fin || rst) this.onFinOrRst(frame, time, fin, rst, sender, tcp, wireLength);

    this.attributeFrame(frame, time, fromClient, syn, fin, rst, wireLength, hasAck, sender, receiver);
    if (this.state !== "open" && this.state !== "half-closed") this.maybeClose();
    return result;
  }

  /** Expert info for the findings of sequence analysis step 1 (before the payload). */
  private reportHeaderAnalysis(analysis: SequenceAnalysis, frame: number, sender: Half, receiver: Half, hasAck: boolean): void {
    const flags = analysis.flags;
    if (flags & SequenceFlag.keepAlive) this.report("tcp.keep_alive", frame, "TCP keep-alive segment");
    if (flags & SequenceFlag.zeroWindow) this.report("tcp.zero_window", frame, `${sender.direction} advertises a zero window: its receive buffer is full`);
    if (flags & SequenceFlag.ackedUnseen) {
      this.report("tcp.ack_lost_segment", frame, `ACKed segment that wasn't captured (common at capture start): ack ${analysis.relativeAck} is beyond the ${receiver.direction} data seen`);
    }
    if (flags & SequenceFlag.duplicateAck) this.report("tcp.duplicate_ack", frame, describeIssue("tcp.duplicate_ack", { count: analysis.duplicateCount, ackedFrame: analysis.duplicateOfFrame }));
    if (flags & SequenceFlag.synRetransmission) this.report("tcp.retransmission", frame, `The ${hasAck ? "SYN/ACK" : "SYN"} was sent again`);
  }

  /** Expert info for the findings of sequence analysis step 2 (the payload's verdict). */
  private reportPayloadAnalysis(analysis: SequenceAnalysis, frame: number, sender: Half, wireLength: number): void {
    const flags = analysis.flags;
    if (flags & SequenceFlag.fastRetransmission) {
      this.report("tcp.fast_retransmission", frame, `Fast retransmission: resent after ${analysis.askedByDuplicateAcks} duplicate ACKs asked for these bytes`);
    } else if (flags & SequenceFlag.spuriousRetransmission) {
      this.report("tcp.spurious_retransmission", frame, "Spurious retransmission: the receiver had already acknowledged these bytes");
    } else if (flags & SequenceFlag.retransmission) {
      this.report("tcp.retransmission", frame, `Retransmission of ${wireLength} byte(s) already seen`);
    } else if (flags & SequenceFlag.outOfOrder) {
      this.report("tcp.out_of_order", frame, "Out-of-order segment: it arrived after later bytes of the stream");
    } else if (flags & SequenceFlag.previousSegmentNotCaptured) {
      this.report("tcp.previous_segment_not_captured", frame, describeIssue("tcp.previous_segment_not_captured", { direction: sender.direction, missingBytes: analysis.skippedBytes }));
    }
  }

  private onSyn(frame: number, time: number, hasAck: boolean, fromClient: boolean): void {
    const event = this.handshake.onSyn(hasAck, fromClient, this.frameRelative);
    if (event === HandshakeEvent.none) return;
    // The first SYN, or the SYN/ACK when the SYN was not captured, starts the phase.
    if (!this.handshakePhase) this.handshakePhase = this.matcher.newPhase("tcp-handshake", frame, time, this.frameRelative);
    if (event === HandshakeEvent.syn) this.handshakePhase.addStep("SYN", frame, time, this.frameRelative, "client->server");
    else this.handshakePhase.addStep("SYN/ACK", frame, time, this.frameRelative, "server->client");
  }

  private onFinOrRst(frame: number, time: number, fin: boolean, rst: boolean, sender: Half, tcp: TcpHeader, wireLength: number): void {
    const who = sender.fromClient ? "client" : "server";
    if (!this.teardownPhase) {
      this.teardownPhase = this.matcher.newPhase("tcp-teardown", frame, time, this.frameRelative);
      this.teardownPhase.phase.initiator = who;
      this.closedBy = who;
    }
    const phase = this.teardownPhase;
    const event = teardownEvent(sender, fin, rst, tcp.seq, wireLength, frame);
    if (event === TeardownEvent.rst) {
      phase.addStep("RST", frame, time, this.frameRelative, sender.direction);
      phase.phase.closedBy = phase.phase.closedBy ?? "rst";
      this.state = "reset";
      this.report("tcp.connection_reset", frame, `Connection reset (RST) by the ${who}`);
    } else if (event === TeardownEvent.fin) {
      phase.phase.closedBy = phase.phase.closedBy ?? "fin";
      phase.addStep("FIN", frame, time, this.frameRelative, sender.direction);
      this.state = stateAfterFin(this.client, this.server);
    }
  }

  private markHalfClose(): void {
    if (this.teardownPhase) this.teardownPhase.phase.halfClose = true;
  }

  private decideProtocol(bytes: Uint8Array, start: number, end: number, fromClient: boolean): void {
    // Heuristic (as Wireshark's MQTT heuristic dissector): a client's first
    // bytes that form a CONNECT with protocol name "MQTT" or "MQIsdp".
    this.protocol = (fromClient ? this.options.protocols.byHeuristic(bytes, start, end)?.name : undefined) ?? "TCP";
  }

  private createReassembler(half: Half, bytes: Uint8Array, start: number, end: number): StreamReassembler {
    const reassembler = new StreamReassembler(half, this.options.reassemblyLimits);
    if (this.protocol === "MQTT" && half.fromClient && !this.server.reassembler && looksLikeUpgradeRequest(bytes, start, end)) {
      // A port given as MQTT that carries MQTT over WebSocket: the HTTP must not reach the MQTT framer.
      this.protocol = "WebSocket";
      this.report("mqtt.websocket_port", this.frameNumber, `tcp.stream ${this.stream} on MQTT port ${this.serverPort} opens with a WebSocket upgrade: decoded as MQTT over WebSocket`);
    }
    if (this.protocol === "MQTT") half.framer = new MqttFramer(half, { maxPacketLength: this.options.maxPacketLength });
    else if (this.protocol === "TLS" || this.protocol === "WebSocket") {
      const table = this.options.protocols;
      half.layer = table.byName(this.protocol)?.create?.({ stream: this.stream, clientPort: this.clientPort, serverPort: this.serverPort, fromClient: half.fromClient, host: this }, table);
    }
    if (!half.framer && !half.layer) reassembler.trackOnly = true;
    if (half.sawSyn) reassembler.start(seqAdd(half.isn, 1));
    else if (half.sentAny) reassembler.start(half.nextSeq);
    half.reassembler = reassembler;
    return reassembler;
  }

  /** Decode one framed MQTT packet from `half`'s stream (see mqtt/session.ts). */
  decodePdu(half: Half, bytes: Uint8Array, start: number, end: number, headerLength: number, _lastFrame: number, frames: number[] | undefined, tentative: boolean, ahead: DecodedAhead | undefined = this.frameAhead): boolean {
    const place = this.packetPlace;
    place.frame = this.frameNumber;
    place.frames = frames;
    place.time = this.frameTime;
    place.relativeTime = this.frameRelative;
    place.direction = half.direction;
    const message = this.mqtt.decode(bytes, start, end, headerLength, place, ahead, tentative);
    if (message === undefined) return false;
    this.onMessage(half, message, bytes[start] >> 4);
    return true;
  }

  /** A packet cut by the snapshot length: a message with its type and the fields captured, in its phase (mqtt/session.ts). */
  decodeTruncated(half: Half, partial: { bytes: Uint8Array; length: number; headerLength: number; frames: number[] }): void {
    const place = this.packetPlace;
    place.frame = this.frameNumber;
    place.frames = partial.frames.length > 1 ? partial.frames.slice() : undefined;
    place.time = this.frameTime;
    place.relativeTime = this.frameRelative;
    place.direction = half.direction;
    const message = this.mqtt.decodeTruncated(partial.bytes, partial.length, partial.headerLength, place);
    this.onMessage(half, message, partial.bytes[0] >> 4);
  }

  private onMessage(half: Half, message: MqttMessage, type: number): void {
    const result = this.current;
    result.messages.push(message);
    // A malformed message's bytes go to the phase of the last message (match gives it none).
    const matched = this.matcher.match(message, type, this.packetPlace);
    const record = matched !== undefined ? matched : message.malformed ? half.lastPhase ?? this.lastPhase : undefined;
    // Bytes: the MQTT bytes to this message's phase; the frame's header bytes
    // (and frames that carried only earlier parts of it) to the first phase.
    const payload = message.payloadLength ?? 0;
    if (record) {
      if (half.partialFrames.length > 0) this.creditPartialFrames(half, record);
      const countFrame = !this.frameCounted;
      record.addFrame(this.frameNumber, this.frameTime, this.frameRelative, half.fromClient, countFrame, countFrame ? this.frameOverhead : 0, message.length - payload, payload);
      if (half.pendingLayerBytes !== 0) {
        record.addLayerBytes(half.fromClient, half.pendingLayerBytes);
        half.pendingLayerBytes = 0;
      }
      half.lastMessageFrame = this.frameNumber;
      this.frameCounted = true;
      if (!result.phase) result.phase = record.kind;
      half.lastPhase = record;
      this.lastPhase = record;
    }
    this.listener.message(message);
    this.matcher.emitSettled(false);
  }

  /** Frames that carried only part of what completed now: they join its phase. */
  private creditPartialFrames(half: Half, record: PhaseRecord): void {
    for (let i = 0; i < half.partialFrames.length; i++) record.addFrame(half.partialFrames[i], this.frameTime, this.frameRelative, half.fromClient, true, half.partialOverhead[i], 0, 0);
    half.partialFrames.length = 0;
    half.partialOverhead.length = 0;
  }

  // LayerHost (stream-layer.ts): what TLS and WebSocket report -----------------

  get relativeTime(): number {
    return this.frameRelative;
  }

  shared<T>(key: StreamProtocol, make: () => T): T {
    const state = (this.layerState ??= new Map());
    let value = state.get(key) as T | undefined;
    if (value === undefined) {
      value = make();
      state.set(key, value);
    }
    return value;
  }

  addLayer(layer: StreamProtocol): void {
    const layers = (this.layers ??= []);
    if (!layers.includes(layer)) layers.push(layer);
  }

  unit(fromClient: boolean, protocol: string, label: string, overhead: number): void {
    const half = fromClient ? this.client : this.server;
    if (label !== "") {
      this.current.layerProtocols.push(protocol);
      this.current.layerLabels.push(label);
      // Past its handshake the layer's records are not the handshake's: later ACKs do not go to it.
      if (half.lastPhase && half.lastPhase.settled && this.isLayerHandshake(half.lastPhase)) {
        if (this.lastPhase === half.lastPhase) this.lastPhase = undefined;
        half.lastPhase = undefined;
      }
    }
    // A unit whose data already went up with a message completed in this frame (a WebSocket frame ends after its payload): its header joins that message's phase.
    const last = half.lastPhase;
    if (overhead > 0 && half.lastMessageFrame === this.frameNumber && last && !last.emitted && !this.isLayerHandshake(last)) last.addLayerBytes(fromClient, overhead);
    else half.pendingLayerBytes += overhead;
  }

  layerHandshakeStep(kind: LayerHandshakeKind, fromClient: boolean, rowProtocol: string, label: string, bytes: number): void {
    const half = fromClient ? this.client : this.server;
    let record = kind === "tls-handshake" ? this.tlsPhase : this.wsPhase;
    if (!record) {
      record = this.matcher.newPhase(kind, this.frameNumber, this.frameTime, this.frameRelative);
      if (kind === "tls-handshake") this.tlsPhase = record;
      else this.wsPhase = record;
    }
    const result = this.current;
    result.layerProtocols.push(rowProtocol);
    result.layerLabels.push(label);
    if (record.emitted) return;
    if (half.partialFrames.length > 0) this.creditPartialFrames(half, record);
    record.addStep(label.trim(), this.frameNumber, this.frameTime, this.frameRelative, half.direction);
    const countFrame = !this.frameCounted;
    record.addFrame(this.frameNumber, this.frameTime, this.frameRelative, fromClient, countFrame, countFrame ? this.frameOverhead : 0, 0, 0);
    record.addLayerBytes(fromClient, bytes + half.pendingLayerBytes);
    half.pendingLayerBytes = 0;
    this.frameCounted = true;
    if (!result.phase) result.phase = kind;
    inFrameOrder(record);
    half.lastPhase = record;
    this.lastPhase = record;
  }

  layerHandshakeDone(kind: LayerHandshakeKind, status: PhaseStatus, latency: number | undefined, details: HandshakeDetails): void {
    let record = kind === "tls-handshake" ? this.tlsPhase : this.wsPhase;
    if (!record) {
      record = this.matcher.newPhase(kind, this.frameNumber, this.frameTime, this.frameRelative);
      if (kind === "tls-handshake") this.tlsPhase = record;
      else this.wsPhase = record;
    }
    if (latency !== undefined) record.phase.latency = seconds(latency);
    Object.assign(record.phase, details);
    Object.assign((this.layerDetails ??= {}), details);
    this.matcher.settle(record, status, this.matcher.messageCount);
  }

  carrying(fromClient: boolean): void {
    (fromClient ? this.client : this.server).carrying = true;
  }

  mqttPartial(fromClient: boolean, packetType: number): void {
    (fromClient ? this.client : this.server).layeredPartialType = packetType;
  }

  problem(code: IssueCode, frame: number, message: string): void {
    this.report(code, frame > 0 ? frame : this.frameNumber || this.lastFrame, message);
  }

  layeredPdu(fromClient: boolean, bytes: Uint8Array, start: number, end: number, headerLength: number, frames: number[] | undefined, tentative: boolean): boolean {
    const half = fromClient ? this.client : this.server;
    const decoded = this.decodePdu(half, bytes, start, end, headerLength, 0, frames, tentative, undefined);
    if (half.lastPhase) inFrameOrder(half.lastPhase);
    return decoded;
  }

  private isLayerHandshake(record: PhaseRecord): boolean {
    return record === this.tlsPhase || record === this.wsPhase;
  }

  /** A layer's handshake is under way: frames holding part of its records belong to it. */
  private layerHandshakeOpen(): boolean {
    return (this.tlsPhase !== undefined && !this.tlsPhase.settled) || (this.wsPhase !== undefined && !this.wsPhase.settled);
  }

  /** Credit the frame to a phase when no message did. */
  private attributeFrame(frame: number, time: number, fromClient: boolean, syn: boolean, fin: boolean, rst: boolean, wireLength: number, hasAck: boolean, sender: Half, receiver: Half): void {
    const result = this.current;
    if (this.frameCounted) return;
    let record: PhaseRecord | undefined;
    if (syn) {
      record = this.handshakePhase;
    } else if (fin || rst || (this.teardownPhase && wireLength === 0)) {
      record = this.teardownPhase;
      if (record && hasAck && !fin && !rst) {
        // The ACK of a FIN.
        const finOfOther = receiver.finSeq >= 0 && receiver.finAcked && receiver.finFrame > 0;
        if (finOfOther && !record.phase.steps.some((s) => s.type === "ACK" && s.direction === sender.direction && s.frame === frame)) record.addStep("ACK", frame, time, this.frameRelative, sender.direction);
      }
    } else if (this.handshakePhase && this.handshake.completedBy(fromClient, hasAck, wireLength)) {
      record = this.handshakePhase;
      record.addStep("ACK", frame, time, this.frameRelative, "client->server");
      const timed = this.handshake.complete(this.frameRelative);
      if (timed) {
        record.phase.latency = seconds(this.handshake.rtt);
        record.phase.synToSynAck = seconds(this.handshake.synToSynAck);
        record.phase.synAckToAck = seconds(this.handshake.synAckToAck);
        this.initialRtt = record.phase.latency;
      }
      this.matcher.settle(record, timed ? "complete" : "incomplete", this.matcher.messageCount);
    } else if (wireLength > 0 && sender.framer && sender.framer.hasPartial) {
      // Bytes of a packet not complete yet: credit the frame when it completes.
      sender.partialFrames.push(frame);
      sender.partialOverhead.push(this.frameOverhead);
      result.partialPdu = true;
      result.phase = sender.framer.partialType > 0 ? phaseOfPacketType[sender.framer.partialType] : undefined;
      return;
    } else if (wireLength > 0 && sender.layer !== undefined && (sender.carrying || this.layerHandshakeOpen() || (!this.tlsPhase && !this.wsPhase))) {
      // Part of a record or frame (or of what it carries): credited with the message or handshake step it completes.
      if (sender.partialFrames.length < MAX_PARTIAL_FRAMES) {
        sender.partialFrames.push(frame);
        sender.partialOverhead.push(this.frameOverhead);
      }
      result.partialPdu = true;
      // Carrying part of an MQTT packet: the frame is in that packet's phase, as for plain MQTT.
      if (sender.carrying && sender.layeredPartialType > 0) result.phase = phaseOfPacketType[sender.layeredPartialType];
      return;
    } else if (wireLength === 0) {
      // A pure ACK: it acknowledges the other side's latest message.
      record = receiver.lastPhase ?? this.lastPhase;
      if (record?.emitted) record = undefined;
    }
    if (!record) return;
    if (!this.handshake.done && syn === false && record === this.handshakePhase) this.handshake.done = true;
    record.addFrame(frame, time, this.frameRelative, fromClient, true, this.frameOverhead, 0, 0);
    this.frameCounted = true;
    result.phase = record.kind;
  }

  /** After FIN/RST: once both FINs are acknowledged (or on RST), close and release. */
  private maybeClose(): void {
    if (this.released) return;
    if (this.state === "reset" || finsAcknowledged(this.client, this.server)) {
      if (this.state !== "reset") this.state = "closed";
      this.closedAtTime = this.lastTime;
      this.finish();
    }
  }

  /** The connection is over (closed, or the capture ended): flush, emit, release. */
  finish(): void {
    if (this.released) return;
    for (const half of [this.client, this.server]) half.reassembler?.flush();
    for (const half of [this.client, this.server]) half.layer?.end();
    for (const layerPhase of [this.tlsPhase, this.wsPhase]) if (layerPhase && !layerPhase.settled) this.matcher.settle(layerPhase, "incomplete", this.matcher.messageCount, false);
    for (const half of [this.client, this.server]) {
      if (half.framer?.hasPartial) {
        this.report("mqtt.incomplete", this.lastFrame, `The ${half.direction} stream ends inside an MQTT packet (${half.framer.partialBytes} byte(s) of it captured)`);
      }
    }
    if (this.teardownPhase && !this.teardownPhase.settled) {
      const td = this.teardownPhase;
      // The teardown is emitted when the connection ends, with every packet of it.
      this.matcher.settle(td, td.phase.closedBy === "rst" ? "reset" : this.client.finAcked && this.server.finAcked ? "complete" : "incomplete", this.matcher.messageCount, false);
    }
    this.matcher.emitSettled(true, [this.handshakePhase, this.tlsPhase, this.wsPhase, this.teardownPhase]);
    this.listener.connection(this.summary());
    for (const half of [this.client, this.server]) {
      half.reassembler?.release();
      half.reassembler = undefined;
      half.framer = undefined;
      half.layer = undefined;
      half.lastPhase = undefined;
      half.partialFrames = noNumbers;
      half.partialOverhead = noNumbers;
    }
    this.matcher.release();
    this.lastPhase = undefined;
    this.handshakePhase = undefined;
    this.teardownPhase = undefined;
    this.tlsPhase = undefined;
    this.wsPhase = undefined;
    this.layerState = undefined;
    this.released = true;
  }

  summary(): ConnectionSummary {
    const layers = this.layers;
    const summary: ConnectionSummary = {
      stream: this.stream,
      protocol: layers ? layers[layers.length - 1] : this.protocol ?? "TCP",
      client: this.clientText,
      clientPort: this.clientPort,
      server: this.serverText,
      serverPort: this.serverPort,
      roles: this.roles,
      ipVersion: this.ipVersion,
      firstFrame: this.firstFrame,
      lastFrame: this.lastFrame,
      start: this.startTime,
      end: this.lastTime,
      packets: { clientToServer: this.client.packets, serverToClient: this.server.packets },
      bytes: { clientToServer: this.client.bytes, serverToClient: this.server.bytes },
      payloadBytes: { clientToServer: this.client.payloadBytes, serverToClient: this.server.payloadBytes },
      handshake: this.handshake.captured(this.client, this.server),
      state: this.state,
      retransmissions: this.retransmissions,
      outOfOrder: this.outOfOrder,
      lostSegments: this.lostSegments,
      lostBytes: (this.client.reassembler?.lostBytes ?? 0) + (this.server.reassembler?.lostBytes ?? 0),
      duplicateAcks: this.duplicateAcks,
    };
    if (this.initialRtt !== undefined) summary.initialRtt = this.initialRtt;
    if (this.closedBy) summary.closedBy = this.closedBy;
    if (layers) {
      summary.layers = layers.slice();
      if (this.layerDetails?.tls) summary.tls = this.layerDetails.tls;
      if (this.layerDetails?.websocket) summary.websocket = this.layerDetails.websocket;
    }
    if (summary.protocol === "MQTT") {
      summary.mqtt = {
        protocolVersion: this.mqtt.level || this.mqtt.defaultLevel,
        versionFromConnect: this.mqtt.levelFromConnect,
        messages: this.messageCount,
      };
      if (this.mqtt.clientId !== undefined) summary.mqtt.clientId = this.mqtt.clientId;
      if (this.mqtt.username !== undefined) summary.mqtt.username = this.mqtt.username;
    }
    return summary;
  }
}

/**
 * A layer's frames may join a phase late (a record's first segments wait for
 * the message it carries while ACKs are counted at once): keep `frames` sorted.
 */
function inFrameOrder(record: PhaseRecord): void {
  const frames = record.phase.frames;
  for (let i = 1; i < frames.length; i++) {
    if (frames[i] < frames[i - 1]) {
      frames.sort((a, b) => a - b);
      return;
    }
  }
}
