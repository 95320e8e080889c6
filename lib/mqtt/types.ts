/**
 * The MQTT layer's records: a decoded control packet as the analysis reports
 * it, and which way it travelled. They live here, below the analysis, so that
 * the MQTT decoders build them without importing anything above them.
 */
import type { PacketTypeName } from "./constants";

export type Direction = "client->server" | "server->client";

/** The fields every message has, whatever its type. */
export interface MqttMessageBase {
  /** The frame in which the message's last byte arrived (as Wireshark shows it). */
  frame: number;
  /** Every frame the message spans, when more than one. */
  frames?: number[];
  /** Seconds since the epoch, of `frame`. */
  time: number;
  /** Seconds since the capture's first frame. */
  relativeTime: number;
  /** tcp.stream of the connection. */
  stream: number;
  direction: Direction;
  /** The spec's name, in capitals ("RESERVED" only for a malformed type 0). */
  type: PacketTypeName | "RESERVED";
  /** Total bytes: fixed header + remaining length. */
  length: number;
  /** Fixed header bytes (type byte + Remaining Length). */
  headerLength: number;
  /** MQTT protocol level the message was decoded with (3, 4 or 5). */
  protocolVersion: number;
  /** MQTT 5 properties, as decoded by mqtt-packet. */
  properties?: Record<string, unknown>;
}

/** The will a CONNECT carries (3.1.2.5). */
export interface MqttWill {
  topic: string;
  qos: number;
  retain: boolean;
  payloadLength: number;
}

/** CONNECT (3.1). */
export interface ConnectFields {
  protocolName: string;
  clientId: string;
  username?: string;
  /** The CONNECT password as carried on the wire (replaced when redacted). */
  password?: string;
  keepalive: number;
  cleanSession: boolean;
  will?: MqttWill;
}

/** CONNACK (3.2): the 3.1.1 return code, or MQTT 5's reason code. */
export interface ConnackFields {
  sessionPresent: boolean;
  returnCode?: number;
  reasonCode?: number;
}

/** PUBLISH (3.3): application payload bytes, and the payload itself when it is short UTF-8 text. */
export interface PublishFields {
  topic: string;
  qos: 0 | 1 | 2;
  dup: boolean;
  retain: boolean;
  /** QoS 1 and 2 only. */
  messageId?: number;
  payloadLength: number;
  payloadText?: string;
}

/** PUBACK, PUBREC, PUBREL, PUBCOMP (3.4–3.7); DISCONNECT and AUTH carry only the MQTT 5 reason code. */
export interface AcknowledgementFields {
  messageId: number;
  reasonCode?: number;
}

/** SUBSCRIBE (3.8): topic filters with requested QoS. */
export interface SubscribeFields {
  messageId: number;
  subscriptions: Array<{ topic: string; qos: number }>;
}

/** SUBACK (3.9): granted QoS per filter (0x80 = failure); UNSUBACK (MQTT 5): reason codes. */
export interface SubackFields {
  messageId: number;
  granted: number[];
}

/** UNSUBSCRIBE (3.10): topic filters. */
export interface UnsubscribeFields {
  messageId: number;
  unsubscriptions: string[];
}

export interface UnsubackFields {
  messageId: number;
  granted?: number[];
}

export interface ReasonFields {
  reasonCode?: number;
}

/** Every type-specific field of any message (the keys the JSON may carry). */
type AnyFields = ConnectFields & ConnackFields & PublishFields & AcknowledgementFields & SubscribeFields & SubackFields & UnsubscribeFields & UnsubackFields & ReasonFields;

/**
 * A whole, decoded message of one type: its own fields, and every other type's
 * fields absent, so that checking `type` (and that it is whole) narrows to it.
 */
export type WholeMessage<Type extends PacketTypeName, Fields> = MqttMessageBase &
  Fields & { type: Type; malformed?: undefined; truncated?: undefined } & { [K in Exclude<keyof AnyFields, keyof Fields>]?: undefined };

export type ConnectMessage = WholeMessage<"CONNECT", ConnectFields>;
export type ConnackMessage = WholeMessage<"CONNACK", ConnackFields>;
export type PublishMessage = WholeMessage<"PUBLISH", PublishFields>;
export type AcknowledgementMessage = WholeMessage<"PUBACK" | "PUBREC" | "PUBREL" | "PUBCOMP", AcknowledgementFields>;
export type SubscribeMessage = WholeMessage<"SUBSCRIBE", SubscribeFields>;
export type SubackMessage = WholeMessage<"SUBACK", SubackFields>;
export type UnsubscribeMessage = WholeMessage<"UNSUBSCRIBE", UnsubscribeFields>;
export type UnsubackMessage = WholeMessage<"UNSUBACK", UnsubackFields>;
export type PingMessage = WholeMessage<"PINGREQ" | "PINGRESP", {}>;
export type DisconnectMessage = WholeMessage<"DISCONNECT", ReasonFields>;
export type AuthMessage = WholeMessage<"AUTH", ReasonFields>;

/**
 * A message that could not be decoded whole: `malformed` says why, or
 * `truncated` marks one cut by the snapshot length. It keeps its type and
 * whatever leading fields were read, so any of them may be missing.
 */
export type DamagedMessage = MqttMessageBase &
  Partial<AnyFields> &
  ({ malformed: string; truncated?: undefined } | { malformed?: undefined; truncated: true });

/**
 * A decoded MQTT control packet: a union keyed on `type`, like mqtt-packet's
 * packets, over the shared base. `m.type === "CONNECT" && !m.malformed &&
 * !m.truncated` (or isMessage(m, "CONNECT")) narrows to ConnectMessage, whose
 * clientId is a string.
 */
export type MqttMessage =
  | ConnectMessage
  | ConnackMessage
  | PublishMessage
  | AcknowledgementMessage
  | SubscribeMessage
  | SubackMessage
  | UnsubscribeMessage
  | UnsubackMessage
  | PingMessage
  | DisconnectMessage
  | AuthMessage
  | DamagedMessage;

/**
 * A message while a decoder builds it field by field (any field of any type
 * may be set): what mqtt/message.ts fills in before it returns an MqttMessage.
 */
export type MqttMessageDraft = MqttMessageBase & Partial<AnyFields> & { malformed?: string; truncated?: true };

/** The whole message of type T. */
export type MessageOfType<T extends PacketTypeName> = Extract<Exclude<MqttMessage, DamagedMessage>, { type: T }>;

/** Whether `m` is a whole (not malformed, not truncated) message of `type`: narrows it. */
export function isMessage<T extends PacketTypeName>(m: MqttMessage, type: T): m is MessageOfType<T> {
  return m.type === type && m.malformed === undefined && m.truncated === undefined;
}
