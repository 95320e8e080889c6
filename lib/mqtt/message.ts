/**
 * From mqtt-packet's decoded packet to our MqttMessage record, and the Info
 * column text Wireshark shows for it ("Publish Message (id=3) [topic]").
 */
import { isUtf8 } from "node:buffer";
import type { Packet } from "mqtt-packet";
import type { Direction, MqttMessage } from "./types";
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
function baseMessage(type: MqttMessage["type"], length: number, headerLength: number, context: MessageContext): MqttMessage {
  const message: MqttMessage = {
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
  return message;
}

/** A record for a packet that could not be decoded: type from the fixed header only. */
export function malformedMessage(firstByte: number, length: number, headerLength: number, reason: string, context: MessageContext): MqttMessage {
  const message = baseMessage(packetTypeNames[firstByte >> 4] || "RESERVED", length, headerLength, context);
  message.malformed = reason;
  return message;
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
  return text;
}
