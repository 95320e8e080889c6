/**
 * The MQTT layer's records: a decoded control packet as the analysis reports
 * it, and which way it travelled. They live here, below the analysis, so that
 * the MQTT decoders build them without importing anything above them.
 */
import type { PacketTypeName } from "./constants";

export type Direction = "client->server" | "server->client";

/** A decoded MQTT control packet. */
export interface MqttMessage {
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
  messageId?: number;
  topic?: string;
  qos?: 0 | 1 | 2;
  dup?: boolean;
  retain?: boolean;
  /** PUBLISH: application payload bytes, and the payload itself when it is short UTF-8 text. */
  payloadLength?: number;
  payloadText?: string;
  /** CONNECT */
  clientId?: string;
  username?: string;
  /** The CONNECT password as carried on the wire (replaced when redacted). */
  password?: string;
  keepalive?: number;
  cleanSession?: boolean;
  protocolName?: string;
  will?: { topic: string; qos: number; retain: boolean; payloadLength: number };
  /** CONNACK (3.1.1 return code; MQTT 5 uses reasonCode). */
  returnCode?: number;
  reasonCode?: number;
  sessionPresent?: boolean;
  /** SUBSCRIBE: topic filters with requested QoS. */
  subscriptions?: Array<{ topic: string; qos: number }>;
  /** SUBACK: granted QoS per filter (0x80 = failure); UNSUBACK (MQTT 5): reason codes. */
  granted?: number[];
  /** UNSUBSCRIBE: topic filters. */
  unsubscriptions?: string[];
  /** MQTT 5 properties, as decoded by mqtt-packet. */
  properties?: Record<string, unknown>;
  /** Set when the packet could not be decoded; the text says why. */
  malformed?: string;
  /** Cut by the snapshot length: only the type and the leading fields that were captured. */
  truncated?: boolean;
}
