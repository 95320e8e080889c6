/**
 * The behaviour checks as a stream consumer: feed it the analysis events as
 * streamCapture (or an Analyzer sink) hands them out — messages in capture
 * order, each connection's teardown phase and summary when it closes — and
 * it keeps only small state per open connection and per clientId. Findings
 * that are settled go to `onFinding` at once; the rest come out of finish().
 *
 *   const checker = new BehaviourChecker({ profile: "aliyun" });
 *   for await (const e of streamCapture(file, { include: checker.events })) checker.event(e);
 *   const findings = checker.finish();
 *
 * checkBehaviour(analysis) does the same over an analysis already in memory.
 */
import type { Analysis, AnalysisEvent, ConnectionSummary, Direction, MqttMessage, Phase } from "../analysis/types";
import type { DeviceIdentity } from "../device/identity";
import { aliyunConnectFindings, aliyunOneConnection, aliyunTopicFindings, aliyunUnencrypted } from "./aliyun";
import { sortFindings, type Finding } from "./finding";
import { connectHygiene } from "./hygiene";
import { keepaliveFindings, noteClientPacket } from "./keepalive";
import { noteAck, notePublish } from "./qos";
import { RetainedTracker } from "./retained";
import { backoffFinding, noteClose, noteConnect } from "./sessions";
import { newClientState, type ClientState, type StreamState } from "./state";
import { WillTracker } from "./will";

export type BehaviourProfile = "mqtt" | "aliyun";

export interface BehaviourOptions {
  /** "mqtt" (default): the MQTT rules; "aliyun": those and the Alibaba Cloud IoT Platform's. */
  profile?: BehaviourProfile;
  /** Called with each finding as soon as it is settled (finish() still returns them all unless `keep` is false). */
  onFinding?: (finding: Finding) => void;
  /** Keep findings for finish() (default true). */
  keep?: boolean;
}

const opposite: Record<Direction, Direction> = { "client->server": "server->client", "server->client": "client->server" };

export class BehaviourChecker {
  /** The streamCapture events the checker reads. */
  readonly events: ReadonlyArray<AnalysisEvent["kind"]> = ["message", "phase", "connection"];
  private readonly profile: BehaviourProfile;
  private readonly onFinding?: (finding: Finding) => void;
  private readonly keep: boolean;
  private readonly found: Finding[] = [];
  private readonly streams = new Map<number, StreamState>();
  private readonly clients = new Map<string, ClientState>();
  /** aliyun: open streams per device (productKey/deviceName). */
  private readonly devices = new Map<string, Set<number>>();
  private readonly deviceOf = new Map<number, DeviceIdentity>();
  /** Session state of connections without a clientId (keyed by stream). */
  private readonly anonymous = new Map<number, ClientState>();
  private readonly wills = new WillTracker();
  private readonly retained = new RetainedTracker();

  constructor(options: BehaviourOptions = {}) {
    this.profile = options.profile ?? "mqtt";
    this.onFinding = options.onFinding;
    this.keep = options.keep ?? true;
  }

  /** One event of streamCapture; other kinds are ignored. */
  event(event: AnalysisEvent): void {
    if (event.kind === "message") this.message(event.message);
    else if (event.kind === "phase") this.phase(event.phase);
    else if (event.kind === "connection") this.connection(event.connection);
  }

  private emit(finding: Finding | undefined): void {
    if (!finding) return;
    if (this.keep) this.found.push(finding);
    this.onFinding?.(finding);
  }

  private stateOf(m: MqttMessage): StreamState {
    let state = this.streams.get(m.stream);
    if (!state) {
      state = { stream: m.stream, protocolVersion: m.protocolVersion };
      this.streams.set(m.stream, state);
    }
    return state;
  }

  private sessionOf(state: StreamState): ClientState {
    if (state.clientId !== undefined) return this.clients.get(state.clientId)!;
    let session = this.anonymous.get(state.stream);
    if (!session) {
      session = newClientState("");
      this.anonymous.set(state.stream, session);
    }
    return session;
  }

  message(m: MqttMessage): void {
    if (m.malformed) return;
    const state = this.stateOf(m);
    if (m.direction === "client->server") noteClientPacket(state, m);
    switch (m.type) {
      case "CONNECT":
        if (m.direction === "client->server") this.connect(state, m);
        break;
      case "CONNACK":
        state.connack = { frame: m.frame, code: m.protocolVersion === 5 ? m.reasonCode ?? 0 : m.returnCode ?? 0 };
        break;
      case "DISCONNECT":
        if (m.direction === "client->server") state.clientDisconnect = { frame: m.frame, reasonCode: m.reasonCode ?? 0 };
        else state.serverDisconnect = { frame: m.frame, reasonCode: m.reasonCode ?? 0, time: m.time };
        break;
      case "PUBLISH": {
        const clientId = state.clientId ?? null;
        this.emit(notePublish(this.sessionOf(state).inFlight[m.direction], m, clientId));
        this.emit(this.wills.notePublish(m));
        this.retained.notePublish(m, clientId);
        break;
      }
      case "PUBACK":
      case "PUBREC":
      case "PUBCOMP":
        noteAck(this.sessionOf(state).inFlight[opposite[m.direction]], m);
        break;
    }
    if (this.profile === "aliyun" && m.direction === "client->server" && (m.type === "PUBLISH" || m.type === "SUBSCRIBE")) {
      const device = this.deviceOf.get(m.stream);
      if (device) for (const f of aliyunTopicFindings(m, device, state.clientId ?? null)) this.emit(f);
    }
  }

  private connect(state: StreamState, m: MqttMessage): void {
    state.protocolVersion = m.protocolVersion;
    state.clientId = m.clientId ?? "";
    state.username = m.username;
    state.cleanSession = m.cleanSession;
    state.keepalive = m.keepalive;
    state.connectFrame = m.frame;
    state.connectTime = m.time;
    state.connectRelative = m.relativeTime;
    if (m.will) state.will = { topic: m.will.topic, payloadLength: m.will.payloadLength };
    let client = this.clients.get(state.clientId);
    if (!client) {
      client = newClientState(state.clientId);
      this.clients.set(state.clientId, client);
    }
    // A clean session starts with no packet ids in flight.
    if (m.cleanSession !== false) {
      client.inFlight["client->server"].clear();
      client.inFlight["server->client"].clear();
    }
    noteConnect(client, state, this.streams);
    this.wills.register(state);
    // A device repeats its CONNECT on every reconnect: its choices are reported once.
    if (client.attempts === 1) for (const f of connectHygiene(m)) this.emit(f);
    if (this.profile === "aliyun") {
      const { findings, device } = aliyunConnectFindings(m);
      for (const f of findings) this.emit(f);
      this.emit(aliyunUnencrypted(m));
      if (device) {
        const key = `${device.productKey}/${device.deviceName}`;
        const open = this.devices.get(key) ?? new Set<number>();
        const others = [...open].map((s) => this.streams.get(s)).filter((s): s is StreamState => s !== undefined && s.connectFrame !== undefined);
        this.emit(aliyunOneConnection(state, others, device));
        open.add(m.stream);
        this.devices.set(key, open);
        this.deviceOf.set(m.stream, device);
      }
    }
  }

  /** Only a connection's teardown matters here: who closed it, and when. */
  phase(p: Phase): void {
    if (p.kind !== "tcp-teardown" || !p.initiator) return;
    const state = this.streams.get(p.stream);
    if (state && !state.teardown) state.teardown = { frame: p.startFrame, time: p.start, relative: p.relativeStart, initiator: p.initiator };
  }

  /** A connection ended (or the capture did): settle its findings and forget it. */
  connection(c: ConnectionSummary): void {
    const state = this.streams.get(c.stream);
    if (!state) return;
    this.streams.delete(c.stream);
    this.anonymous.delete(c.stream);
    const relativeEnd = state.teardown ? state.teardown.relative + (c.end - state.teardown.time) : (state.connectRelative ?? 0) + (c.end - (state.connectTime ?? c.end));
    const end = { time: c.end, relative: relativeEnd, frame: c.lastFrame, stillOpen: c.state === "open" };
    for (const f of keepaliveFindings(state, end)) this.emit(f);
    if (state.clientId !== undefined) {
      const client = this.clients.get(state.clientId)!;
      for (const f of noteClose(client, state, end)) this.emit(f);
    }
    const device = this.deviceOf.get(c.stream);
    if (device) {
      this.deviceOf.delete(c.stream);
      this.devices.get(`${device.productKey}/${device.deviceName}`)?.delete(c.stream);
    }
  }

  /** What the checker holds now: open connections, clientIds seen, packet ids in flight, Wills registered. */
  stateSize(): { connections: number; clients: number; inFlight: number } {
    let inFlight = 0;
    for (const c of this.clients.values()) inFlight += c.inFlight["client->server"].size + c.inFlight["server->client"].size;
    return { connections: this.streams.size, clients: this.clients.size, inFlight };
  }

  /** End of the capture: connections never summarised, reconnect verdicts, retained topics. Returns every finding kept. */
  finish(): Finding[] {
    for (const state of [...this.streams.values()]) {
      const end = state.lastClientTime ?? state.connectTime ?? 0;
      this.connection({ stream: state.stream, end, lastFrame: state.lastClientFrame ?? state.connectFrame ?? 0, state: "open" } as ConnectionSummary);
    }
    for (const client of this.clients.values()) this.emit(backoffFinding(client));
    for (const f of this.retained.findings()) this.emit(f);
    return sortFindings(this.found);
  }
}

/**
 * The behaviour findings of an analysis in memory: its messages, teardown
 * phases and connections replayed in the order streamCapture hands them out
 * (a connection's teardown and summary after its last frame).
 */
export function checkBehaviour(analysis: Pick<Analysis, "messages" | "phases" | "connections">, options: BehaviourOptions = {}): Finding[] {
  const checker = new BehaviourChecker(options);
  const closing = new Map<number, Phase>();
  for (const p of analysis.phases) if (p.kind === "tcp-teardown") closing.set(p.stream, p);
  // Closed and reset connections are summarised at their last frame; the others when the capture ends.
  const endOf = (c: ConnectionSummary) => (c.state === "closed" || c.state === "reset" ? c.lastFrame : Number.MAX_SAFE_INTEGER);
  const ends = [...analysis.connections].sort((a, b) => endOf(a) - endOf(b) || a.stream - b.stream);
  let next = 0;
  const closeThrough = (frame: number) => {
    while (next < ends.length && endOf(ends[next]!) < frame) {
      const c = ends[next++]!;
      const teardown = closing.get(c.stream);
      if (teardown) checker.phase(teardown);
      checker.connection(c);
    }
  };
  for (const m of analysis.messages) {
    closeThrough(m.frame);
    checker.message(m);
  }
  closeThrough(Number.POSITIVE_INFINITY);
  return checker.finish();
}
