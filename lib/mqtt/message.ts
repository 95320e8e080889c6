/**
 * From mqtt-packet's decoded packet to our MqttMessage record, and the Info
 * column text Wireshark shows for it ("Publish Message (id=3) [topic]").
 */
import { isUtf8 } from "node:buffer";
import type { Packet } from "mqtt-packet";
import type { Direction, MqttMessage, MqttMessageDraft } from "./types";
import { PacketType, packetTypeLabels, packetTypeNames, type PacketTypeName } from "./constants";

/** PUBLISH payloads up to this size are kept as text when they are UTF-8. */
export const PAYLOAD_TEXT_LIMIT = 1024;

export interface MessageContext {
  frame: number;
  frames: number[] | undefined;
  time: number;
  relativeTime: number;
  stream: number;
  direction: Direction;
  protocolVersion: number;
  redactPasswords: boolean;
}

/** mqtt-packet's `cmd` → the spec's name. */
const typeNameOfCommand: Readonly<Record<Packet["cmd"], PacketTypeName>> = {
  connect: "CONNECT",
  connack: "CONNACK",
  publish: "PUBLISH",
  puback: "PUBACK",
  pubrec: "PUBREC",
  pubrel: "PUBREL",
  pubcomp: "PUBCOMP",
  subscribe: "SUBSCRIBE",
  suback: "SUBACK",
  unsubscribe: "UNSUBSCRIBE",
  unsuback: "UNSUBACK",
  pingreq: "PINGREQ",
  pingresp: "PINGRESP",
  disconnect: "DISCONNECT",
  auth: "AUTH",
};

/** The fields every message has: where and when it was seen, what it is. */
function baseMessage(type: MqttMessage["type"], length: number, headerLength: number, context: MessageContext): MqttMessageDraft {
  const message: MqttMessageDraft = {
    frame: context.frame,
    time: context.time,
    relativeTime: context.relativeTime,
    stream: context.stream,
    direction: context.direction,
    type,
    length,
    headerLength,
    protocolVersion: context.protocolVersion,
  };
  if (context.frames) message.frames = context.frames;
  return message;
}

/** Build the record for a packet mqtt-packet decoded. */
export function toMqttMessage(packet: Packet, length: number, headerLength: number, context: MessageContext): MqttMessage {
  const message = baseMessage(typeNameOfCommand[packet.cmd], length, headerLength, context);
  const any = packet as unknown as Record<string, unknown>;
  if (typeof any.messageId === "number") message.messageId = any.messageId;
  switch (packet.cmd) {
    case "publish": {
      message.topic = packet.topic;
      message.qos = packet.qos;
      message.dup = packet.dup;
      message.retain = packet.retain;
      const payload = packet.payload;
      const payloadLength = typeof payload === "string" ? Buffer.byteLength(payload) : payload.length;
      message.payloadLength = payloadLength;
      if (typeof payload !== "string" && payloadLength <= PAYLOAD_TEXT_LIMIT && isUtf8(payload)) message.payloadText = payload.toString("utf8");
      break;
    }
    case "connect": {
      message.protocolName = packet.protocolId;
      message.protocolVersion = packet.protocolVersion ?? context.protocolVersion;
      message.clientId = packet.clientId;
      if (packet.username !== undefined) message.username = packet.username;
      if (packet.password !== undefined) {
        const password = packet.password;
        message.password = context.redactPasswords ? redacted(password.length) : isUtf8(password) ? password.toString("utf8") : `0x${password.toString("hex")}`;
      }
      message.keepalive = packet.keepalive;
      message.cleanSession = packet.clean;
      if (packet.will) {
        const willPayload = packet.will.payload;
        message.will = {
          topic: packet.will.topic,
          qos: packet.will.qos ?? 0,
          retain: packet.will.retain ?? false,
          payloadLength: typeof willPayload === "string" ? Buffer.byteLength(willPayload) : willPayload.length,
        };
      }
      break;
    }
    case "connack":
      message.sessionPresent = packet.sessionPresent;
      if (context.protocolVersion === 5) message.reasonCode = packet.reasonCode ?? packet.returnCode ?? 0;
      else message.returnCode = packet.returnCode ?? 0;
      break;
    case "subscribe":
      message.subscriptions = packet.subscriptions.map((s) => ({ topic: s.topic, qos: s.qos }));
      break;
    case "suback":
      message.granted = packet.granted.map((g) => (typeof g === "number" ? g : (g as { qos: number }).qos));
      break;
    case "unsubscribe":
      message.unsubscriptions = [...packet.unsubscriptions];
      break;
    case "unsuback":
      if (Array.isArray(any.granted)) message.granted = any.granted as number[];
      break;
    case "puback":
    case "pubrec":
    case "pubrel":
    case "pubcomp":
    case "disconnect":
    case "auth":
      if (context.protocolVersion === 5 && typeof any.reasonCode === "number") message.reasonCode = any.reasonCode;
      break;
    default:
      break;
  }
  const properties = any.properties as Record<string, unknown> | undefined;
  if (properties !== undefined && hasAnyKey(properties)) message.properties = plainProperties(properties);
  return message as MqttMessage; // the decoder set the fields its type has (types.ts)
}

/** A record for a packet that could not be decoded: type from the fixed header only. */
export function malformedMessage(firstByte: number, length: number, headerLength: number, reason: string, context: MessageContext): MqttMessage {
  const message = baseMessage(packetTypeNames[firstByte >> 4] || "RESERVED", length, headerLength, context);
  message.malformed = reason;
  return message as MqttMessage; // the decoder set the fields its type has (types.ts)
}

/**
 * A packet cut by the capture's snapshot length: `bytes[start, end)` holds its
 * first bytes (fixed header included) of `length` on the wire. Like
 * Wireshark's "[Packet size limited during capture]", the record keeps the
 * type and whatever leading fields were captured whole: PUBLISH topic and
 * Packet Identifier (3.3.2), CONNECT protocol name, level, flags, keep-alive
 * and clientId (3.1.2–3.1.3, skipping MQTT 5 properties), the Packet
 * Identifier of the types that start with one (2.2.1). The password is never
 * read.
 */
export function truncatedMessage(bytes: Uint8Array, start: number, end: number, length: number, headerLength: number, context: MessageContext): MqttMessage {
  const firstByte = bytes[start];
  const type = firstByte >> 4;
  const message = baseMessage(packetTypeNames[type] || "RESERVED", length, headerLength, context);
  let at = start + headerLength;
  const u16 = (): number | undefined => (at + 2 <= end ? ((bytes[at++] << 8) | bytes[at++]) : undefined);
  const text = (): string | undefined => {
    if (at + 2 > end) return undefined;
    const size = (bytes[at] << 8) | bytes[at + 1];
    if (at + 2 + size > end) return undefined;
    const value = Buffer.from(bytes.buffer, bytes.byteOffset + at + 2, size).toString("utf8");
    at += 2 + size;
    return value;
  };
  if (type === PacketType.PUBLISH) {
    const qos = ((firstByte >> 1) & 3) as 0 | 1 | 2;
    message.qos = qos;
    message.dup = (firstByte & 8) !== 0;
    message.retain = (firstByte & 1) !== 0;
    const topic = text();
    if (topic !== undefined) {
      message.topic = topic;
      if (qos > 0) {
        const id = u16();
        if (id !== undefined) message.messageId = id;
      }
    }
  } else if (type === PacketType.CONNECT) {
    const name = text();
    if (name !== undefined) {
      message.protocolName = name;
      if (at < end) message.protocolVersion = bytes[at++];
      const flags = at < end ? bytes[at++] : undefined;
      if (flags !== undefined) message.cleanSession = (flags & 2) !== 0;
      const keepalive = u16();
      if (keepalive !== undefined && flags !== undefined) {
        message.keepalive = keepalive;
        if (message.protocolVersion === 5) at = skipProperties(bytes, at, end);
        const clientId = at < end ? text() : undefined;
        if (clientId !== undefined) message.clientId = clientId;
      }
    }
  } else if (type >= PacketType.PUBACK && type <= PacketType.UNSUBACK) {
    const id = u16();
    if (id !== undefined) message.messageId = id;
  }
  message.truncated = true;
  return message as MqttMessage; // the decoder set the fields its type has (types.ts)
}

/** Past an MQTT 5 property block (a variable byte integer length, §1.5.5, then the properties); `end` when cut. */
function skipProperties(bytes: Uint8Array, at: number, end: number): number {
  let size = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (at >= end) return end;
    const byte = bytes[at++];
    size += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return Math.min(end, at + size);
  }
  return end;
}

function hasAnyKey(object: Record<string, unknown>): boolean {
  for (const _key in object) return true;
  return false;
}

export function redacted(length: number): string {
  return `<redacted ${length} bytes>`;
}

/** Buffers in MQTT 5 properties become hex strings, so records stay plain JSON. */
function plainProperties(properties: Record<string, unknown>): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const key of Object.keys(properties)) {
    const value = properties[key];
    plain[key] = Buffer.isBuffer(value) ? `0x${value.toString("hex")}` : value;
  }
  return plain;
}

/** Info column text for one message, as Wireshark writes it. */
export function messageInfo(message: MqttMessage): string {
  const typeNumber = message.type === "RESERVED" ? 0 : PacketType[message.type];
  let text = packetTypeLabels[typeNumber] ?? message.type;
  if (message.messageId !== undefined && (message.type !== "PUBLISH" || (message.qos ?? 0) > 0)) text += ` (id=${message.messageId})`;
  if (message.topic !== undefined) text += ` [${message.topic}]`;
  else if (message.subscriptions) for (const s of message.subscriptions) text += ` [${s.topic}]`;
  else if (message.unsubscriptions) for (const t of message.unsubscriptions) text += ` [${t}]`;
  if (message.malformed) text += " [Malformed Packet]";
  if (message.truncated) text += "[Packet size limited during capture]"; // no space: tshark appends it so
  return text;
}
