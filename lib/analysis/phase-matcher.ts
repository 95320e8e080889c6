/**
 * MQTT requests paired with their responses, per connection: messages in,
 * phases out. CONNECT→CONNACK, PUBLISH→PUBACK (or PUBREC→PUBREL→PUBCOMP),
 * SUBSCRIBE→SUBACK, UNSUBSCRIBE→UNSUBACK, PINGREQ→PINGRESP; a DUP republish
 * joins the phase of the PUBLISH it repeats; a response whose request was
 * not captured makes a phase of its own ("request-not-captured"); a request
 * still open at the end is "unanswered". Settled phases are emitted in the
 * order they settled, two messages later, so that the ACKs trailing their
 * last message are counted in them first.
 *
 * It knows nothing of bytes or TCP: the connection hands it decoded messages
 * (each carries its frame, time and direction) and uses its settle queue for
 * the TCP phases too, so that every phase of a connection comes out in one
 * order. test/analysis/phase-matcher.test.ts drives it from plain lists.
 */
import { describeIssue, type IssueCode, type IssueDescription } from "../expert/issues";
import { PacketType, SUBACK_FAILURE, describeReturnCode } from "../mqtt/constants";
import { PhaseRecord } from "./phases";
import type { Direction, MqttMessage, Phase, PhaseKind, PhaseStatus } from "./types";

/** What the matcher reports to (the connection). */
export interface PhaseMatcherHost {
  nextPhaseId(): number;
  /** A phase is final: emit it. */
  phase(phase: Phase): void;
  report(code: IssueCode, frame: number, message: string | IssueDescription): void;
  /** The final status of a TCP phase (handshake, teardown) never settled by the end. */
  openTcpPhaseStatus(phase: Phase): PhaseStatus;
}

/** Where and when a message was seen: an MqttMessage is one, as is the connection's PacketPlace. */
export interface MessagePlace {
  readonly frame: number;
  readonly time: number;
  readonly relativeTime: number;
  readonly direction: Direction;
}

/** Shared empty containers for released matchers (nothing is added to them). */
const noPhases = new Map<number, PhaseRecord>();
const noRecords: PhaseRecord[] = [];

export class PhaseMatcher {
  /** Messages counted so far, malformed ones included. */
  messageCount = 0;
  private readonly stream: number;
  private readonly host: PhaseMatcherHost;
  private openConnect: PhaseRecord | undefined;
  private openByMessageId = new Map<number, PhaseRecord>();
  private openPings: PhaseRecord[] = [];
  /**
   * Settled phases waiting to be emitted, in the order they settled (so in
   * order of `settledAtMessage`): a FIFO read from `settledFirst`.
   */
  private settledFirst: PhaseRecord | undefined;
  private settledLast: PhaseRecord | undefined;

  constructor(stream: number, host: PhaseMatcherHost) {
    this.stream = stream;
    this.host = host;
  }

  /**
   * Count one message and match it to its phase: open a new one for a
   * request, complete one for a response. `type` is the packet type number
   * (1–15) from the fixed header (default: from `message.type`); `place`
   * where and when it was seen (default: the message's own fields; the
   * connection passes the one object it decoded the message at, read at one
   * shape for every message rather than at each message type's). Returns
   * undefined for a malformed message (its bytes go where the caller says)
   * and for a type that has no phase.
   */
  match(message: MqttMessage, type: number = PacketType[message.type as keyof typeof PacketType] ?? 0, place: MessagePlace = message): PhaseRecord | undefined {
    this.messageCount++;
    if (message.malformed) return undefined;
    const frame = place.frame;
    const time = place.time;
    const relativeTime = place.relativeTime;
    const direction = place.direction;
    const fromClient = direction === "client->server";
    const count = this.messageCount;
    // Switch on the packet type number from the fixed header (cheaper than the name).
    switch (type) {
      case PacketType.CONNECT: {
        const record = this.newPhase("connect", frame, time, relativeTime);
        const phase = record.phase;
        phase.clientId = message.clientId;
        if (message.username !== undefined) phase.username = message.username;
        phase.keepalive = message.keepalive;
        phase.protocolVersion = message.protocolVersion;
        record.addStep("CONNECT", frame, time, relativeTime, direction);
        this.openConnect = record;
        return record;
      }
      case PacketType.CONNACK: {
        let record = this.openConnect;
        this.openConnect = undefined;
        if (!record) {
          record = this.newPhase("connect", frame, time, relativeTime);
          record.phase.status = "request-not-captured";
          this.host.report("mqtt.unexpected_response", frame, "CONNACK without a captured CONNECT");
        }
        const phase = record.phase;
        record.addStep("CONNACK", frame, time, relativeTime, direction);
        phase.protocolVersion = phase.protocolVersion ?? message.protocolVersion;
        phase.sessionPresent = message.sessionPresent;
        const code = message.reasonCode ?? message.returnCode ?? 0;
        if (message.reasonCode !== undefined) phase.reasonCode = message.reasonCode;
        if (message.returnCode !== undefined) phase.returnCode = message.returnCode;
        if (record.phase.status !== "request-not-captured") phase.latency = seconds(relativeTime - phase.relativeStart);
        const refused = message.protocolVersion === 5 ? code >= 0x80 : code !== 0;
        if (refused) this.host.report("mqtt.connection_refused", frame, describeIssue("mqtt.connection_refused", { returnCode: code, protocolVersion: message.protocolVersion, description: describeReturnCode(code, message.protocolVersion) }));
        this.settle(record, record.phase.status === "request-not-captured" ? "request-not-captured" : refused ? "refused" : "complete", count);
        return record;
      }
      case PacketType.PUBLISH: {
        const qos = message.qos ?? 0;
        const key = this.publishKey(fromClient, message.messageId ?? 0);
        if (qos > 0 && message.dup) {
          const existing = this.openByMessageId.get(key);
          if (existing) {
            existing.addStep("PUBLISH (DUP)", frame, time, relativeTime, direction);
            return existing;
          }
        }
        const record = this.newPhase("publish", frame, time, relativeTime);
        const phase = record.phase;
        phase.direction = direction;
        phase.topic = message.topic;
        phase.qos = qos;
        if (qos > 0) phase.messageId = message.messageId;
        record.addStep("PUBLISH", frame, time, relativeTime, direction);
        if (qos === 0) this.settle(record, "complete", count);
        else this.openByMessageId.set(key, record);
        return record;
      }
      case PacketType.PUBACK:
      case PacketType.PUBREC:
      case PacketType.PUBCOMP:
      case PacketType.PUBREL: {
        // PUBACK/PUBREC/PUBCOMP answer a PUBLISH from the other side; PUBREL comes from the publisher.
        const publisherIsClient = message.type === "PUBREL" ? fromClient : !fromClient;
        const key = this.publishKey(publisherIsClient, message.messageId ?? 0);
        const record = this.openByMessageId.get(key);
        if (!record) return this.orphanResponse(message, "publish", fromClient);
        record.addStep(message.type, frame, time, relativeTime, direction);
        if (message.type === "PUBACK" || message.type === "PUBCOMP") {
          this.openByMessageId.delete(key);
          record.phase.latency = seconds(relativeTime - record.relativeStart);
          this.settle(record, "complete", count);
        }
        return record;
      }
      case PacketType.SUBSCRIBE:
      case PacketType.UNSUBSCRIBE: {
        const kind: PhaseKind = message.type === "SUBSCRIBE" ? "subscribe" : "unsubscribe";
        const record = this.newPhase(kind, frame, time, relativeTime);
        const phase = record.phase;
        phase.messageId = message.messageId;
        if (message.subscriptions) {
          phase.topics = message.subscriptions.map((s) => s.topic);
          phase.requestedQos = message.subscriptions.map((s) => s.qos);
        } else if (message.unsubscriptions) {
          phase.topics = [...message.unsubscriptions];
        }
        record.addStep(message.type, frame, time, relativeTime, direction);
        this.openByMessageId.set(this.subscribeKey(kind, message.messageId ?? 0), record);
        return record;
      }
      case PacketType.SUBACK:
      case PacketType.UNSUBACK: {
        const kind: PhaseKind = message.type === "SUBACK" ? "subscribe" : "unsubscribe";
        const key = this.subscribeKey(kind, message.messageId ?? 0);
        const record = this.openByMessageId.get(key);
        if (!record) return this.orphanResponse(message, kind, fromClient);
        this.openByMessageId.delete(key);
        record.addStep(message.type, frame, time, relativeTime, direction);
        record.phase.latency = seconds(relativeTime - record.relativeStart);
        if (message.granted) record.phase.granted = message.granted;
        const failed = message.type === "SUBACK" && (message.granted ?? []).some((g) => g >= SUBACK_FAILURE);
        if (failed) this.host.report("mqtt.subscription_refused", frame, describeIssue("mqtt.subscription_refused", { messageId: message.messageId ?? 0, refused: message.granted!.filter((g) => g >= SUBACK_FAILURE).length, requested: message.granted!.length }));
        this.settle(record, failed && message.granted!.every((g) => g >= SUBACK_FAILURE) ? "refused" : "complete", count);
        return record;
      }
      case PacketType.PINGREQ: {
        const record = this.newPhase("ping", frame, time, relativeTime);
        record.addStep("PINGREQ", frame, time, relativeTime, direction);
        this.openPings.push(record);
        return record;
      }
      case PacketType.PINGRESP: {
        const record = this.openPings.shift();
        if (!record) return this.orphanResponse(message, "ping", fromClient);
        record.addStep("PINGRESP", frame, time, relativeTime, direction);
        record.phase.latency = seconds(relativeTime - record.relativeStart);
        this.settle(record, "complete", count);
        return record;
      }
      case PacketType.DISCONNECT:
      case PacketType.AUTH: {
        const record = this.newPhase(message.type === "DISCONNECT" ? "disconnect" : "auth", frame, time, relativeTime);
        record.phase.direction = direction;
        if (message.reasonCode !== undefined) record.phase.reasonCode = message.reasonCode;
        record.addStep(message.type, frame, time, relativeTime, direction);
        this.settle(record, "complete", count);
        return record;
      }
      default:
        return undefined;
    }
  }

  private orphanResponse(message: MqttMessage, kind: PhaseKind, fromClient: boolean): PhaseRecord {
    const record = this.newPhase(kind, message.frame, message.time, message.relativeTime);
    record.phase.messageId = message.messageId;
    if (kind === "publish") record.phase.direction = fromClient ? "server->client" : "client->server";
    record.addStep(message.type, message.frame, message.time, message.relativeTime, message.direction);
    this.host.report("mqtt.unexpected_response", message.frame, `${message.type}${message.messageId !== undefined ? ` (id=${message.messageId})` : ""} answers a request that was not captured`);
    this.settle(record, "request-not-captured", this.messageCount);
    return record;
  }

  /**
   * Settle a phase with its final status. It is emitted two messages later
   * (so the ACKs after its last message are counted), unless `queue` is
   * false: then it waits for the end (the TCP teardown, emitted with every
   * packet of it).
   */
  settle(record: PhaseRecord, status: Phase["status"], messageCount: number, queue = true): void {
    if (record.settle(status, messageCount) && queue) {
      if (this.settledLast) this.settledLast.nextSettled = record;
      else this.settledFirst = record;
      this.settledLast = record;
    }
  }

  private publishKey(publisherIsClient: boolean, messageId: number): number {
    return (publisherIsClient ? 0x10000 : 0x20000) + messageId;
  }

  private subscribeKey(kind: PhaseKind, messageId: number): number {
    return (kind === "subscribe" ? 0x30000 : 0x40000) + messageId;
  }

  /** A new phase of this connection, starting at `frame`. */
  newPhase(kind: PhaseKind, frame: number, time: number, relativeTime: number): PhaseRecord {
    return new PhaseRecord(this.host.nextPhaseId(), this.stream, kind, frame, time, relativeTime);
  }

  /**
   * Emit phases that settled at least two messages ago, so that the ACKs
   * trailing their last message have been counted. With `all` (the connection
   * ended), emit every phase not yet emitted, answered or not, in creation
   * order, with the connection's TCP phases (`tcpPhases`: handshake, teardown;
   * optional rather than defaulting to `[]`, which would allocate after every message).
   */
  emitSettled(all: boolean, tcpPhases?: readonly (PhaseRecord | undefined)[]): void {
    let record = this.settledFirst;
    const limit = this.messageCount - 2;
    while (record !== undefined && (all || record.settledAtMessage <= limit)) {
      this.emitPhase(record);
      const next = record.nextSettled;
      record.nextSettled = undefined;
      record = next;
    }
    this.settledFirst = record;
    if (record === undefined) this.settledLast = undefined;
    if (!all) return;
    const rest: PhaseRecord[] = [];
    if (tcpPhases) for (const tcp of tcpPhases) if (tcp) rest.push(tcp);
    if (this.openConnect) rest.push(this.openConnect);
    for (const open of this.openByMessageId.values()) rest.push(open);
    rest.push(...this.openPings);
    rest.sort((a, b) => a.phase.id - b.phase.id);
    for (const open of rest) this.emitPhase(open);
  }

  private emitPhase(record: PhaseRecord): void {
    if (record.emitted) return;
    const phase = record.phase;
    if (!record.settled) {
      // Still waiting for a response when the connection ended.
      if (phase.kind === "tcp-handshake" || phase.kind === "tcp-teardown") phase.status = this.host.openTcpPhaseStatus(phase);
      else {
        phase.status = "unanswered";
        this.host.report("mqtt.unanswered", phase.startFrame, `${phase.steps[0]?.type ?? phase.kind}${phase.messageId !== undefined ? ` (id=${phase.messageId})` : ""} got no response in the capture`);
      }
    }
    if (phase.kind === "tcp-teardown" && phase.closedBy !== "rst") {
      phase.latency = seconds(phase.relativeEnd - phase.relativeStart);
    }
    if (phase.frames.length > 0) {
      phase.startFrame = Math.min(phase.startFrame, phase.frames[0]);
    }
    record.emitted = true;
    this.host.phase(phase);
  }

  /** The connection is over and everything was emitted: drop what the matcher holds. */
  release(): void {
    this.openByMessageId = noPhases;
    this.openPings = noRecords;
    this.openConnect = undefined;
  }
}

/** A duration in seconds, rounded to the nanosecond (no float noise in outputs). */
export function seconds(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}
