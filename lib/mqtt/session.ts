/**
 * One stream's MQTT, both directions: the protocol level its packets are
 * decoded at, and turning each framed packet (mqtt/framer.ts finds the
 * boundaries) into a message. Like Wireshark's per-conversation `mqtt_conv_t`,
 * this state hangs off the connection; TCP knows nothing of it.
 *
 * The level: a CONNECT says it [MQTT-3.1.2-2]; a stream whose CONNECT was not
 * captured is decoded at the default level, noted once (mqtt.connect_missing,
 * Wireshark's mqtt.unknown_version).
 */
import type { IssueCode } from "../expert/issues";
import { PacketType, protocolLevelNames } from "./constants";
import type { DecodedAhead } from "./decoded-ahead";
import { decodeMqttPacket } from "./decoder";
import { malformedMessage, toMqttMessage, truncatedMessage, type MessageContext } from "./message";
import type { Direction, MqttMessage } from "./types";

/** Where and when the frame that completed a packet is. */
export interface PacketPlace {
  frame: number;
  /** Every frame the packet spans, when more than one. */
  frames: number[] | undefined;
  time: number;
  relativeTime: number;
  direction: Direction;
}

/** Where the session's issues go (the connection, which adds its tcp.stream). */
export interface IssueReporter {
  report(code: IssueCode, frame: number, message: string): void;
}

export class MqttSession {
  /** The level packets are decoded at; 0 until the first packet. */
  level = 0;
  /** The level came from a captured CONNECT. */
  levelFromConnect = false;
  clientId: string | undefined;
  username: string | undefined;
  readonly defaultLevel: number;
  private connectMissingNoted = false;
  private readonly reporter: IssueReporter;
  /** Reused for every message of the stream (read, not kept, by toMqttMessage). */
  private readonly context: MessageContext;

  constructor(stream: number, options: { defaultLevel: number; redactPasswords: boolean }, reporter: IssueReporter) {
    this.defaultLevel = options.defaultLevel;
    this.reporter = reporter;
    this.context = { frame: 0, frames: undefined, time: 0, relativeTime: 0, stream, direction: "client->server", protocolVersion: 4, redactPasswords: options.redactPasswords };
  }

  /**
   * Decode the framed packet `bytes[start, end)` into a message (a malformed
   * one when it does not decode). `ahead`: the packets the reader thread
   * decoded for this frame. With `tentative` (the framer is not sure the
   * bytes are a packet), a packet that does not decode gives undefined.
   */
  decode(bytes: Uint8Array, start: number, end: number, headerLength: number, place: PacketPlace, ahead: DecodedAhead | undefined, tentative: boolean): MqttMessage | undefined {
    const firstByte = bytes[start];
    const type = firstByte >> 4;
    if (this.level === 0) {
      if (type === PacketType.CONNECT) {
        this.level = this.defaultLevel;
      } else {
        this.level = this.defaultLevel;
        if (!this.connectMissingNoted) {
          this.connectMissingNoted = true;
          this.reporter.report("mqtt.connect_missing", place.frame, `Unknown version (missing the CONNECT packet?): the stream's CONNECT was not captured, so it is decoded as ${protocolLevelNames[this.level] ?? `level ${this.level}`}`);
        }
      }
    }
    const decoded = decodeMqttPacket(bytes, start, end, this.level, ahead);
    if (decoded.error !== undefined && tentative) return undefined;
    const context = this.contextAt(place);
    let message: MqttMessage;
    if (decoded.packet) {
      message = toMqttMessage(decoded.packet, end - start, headerLength, context);
      if (message.type === "CONNECT" && message.protocolVersion !== this.level) {
        this.level = message.protocolVersion;
      }
      if (message.type === "CONNECT") {
        this.levelFromConnect = true;
        this.clientId = message.clientId;
        this.username = message.username;
      }
    } else {
      message = malformedMessage(firstByte, end - start, headerLength, decoded.error ?? "undecodable", context);
      this.reporter.report("mqtt.malformed", place.frame, `Malformed MQTT ${message.type} (${end - start} bytes) in the ${place.direction} stream: ${decoded.error}`);
    }
    return message;
  }

  /**
   * A packet cut by the snapshot length (`bytes` are its captured first bytes
   * of `length`): a message with its type and the leading fields that fit,
   * marked truncated, as Wireshark's "[Packet size limited during capture]".
   */
  decodeTruncated(bytes: Uint8Array, length: number, headerLength: number, place: PacketPlace): MqttMessage {
    if (this.level === 0) this.level = this.defaultLevel;
    const context = this.contextAt(place);
    const message = truncatedMessage(bytes, 0, bytes.length, length, headerLength, context);
    if (message.type === "CONNECT") {
      if (message.protocolVersion >= 3 && message.protocolVersion <= 5) this.level = message.protocolVersion;
      this.clientId = message.clientId;
    }
    return message;
  }

  /** The reused message context, set to where the packet is and the stream's level. */
  private contextAt(place: PacketPlace): MessageContext {
    const context = this.context;
    context.frame = place.frame;
    context.frames = place.frames;
    context.time = place.time;
    context.relativeTime = place.relativeTime;
    context.direction = place.direction;
    context.protocolVersion = this.level;
    return context;
  }
}
