/**
 * MQTT codes and their labels: control packet types (MQTT 3.1.1 §2.2.1,
 * MQTT 5.0 §2.1.2), the fixed-header flags each type requires (§2.2.2 / §2.1.3),
 * CONNACK return codes (3.1.1 §3.2.2.3) and MQTT 5 reason codes (5.0 §2.4).
 */

export const PacketType = {
  CONNECT: 1,
  CONNACK: 2,
  PUBLISH: 3,
  PUBACK: 4,
  PUBREC: 5,
  PUBREL: 6,
  PUBCOMP: 7,
  SUBSCRIBE: 8,
  SUBACK: 9,
  UNSUBSCRIBE: 10,
  UNSUBACK: 11,
  PINGREQ: 12,
  PINGRESP: 13,
  DISCONNECT: 14,
  AUTH: 15,
} as const;

export type PacketTypeName = keyof typeof PacketType;

/** Index by type number → spec name ("" for the reserved type 0). */
export const packetTypeNames: readonly (PacketTypeName | "")[] = [
  "",
  "CONNECT",
  "CONNACK",
  "PUBLISH",
  "PUBACK",
  "PUBREC",
  "PUBREL",
  "PUBCOMP",
  "SUBSCRIBE",
  "SUBACK",
  "UNSUBSCRIBE",
  "UNSUBACK",
  "PINGREQ",
  "PINGRESP",
  "DISCONNECT",
  "AUTH",
];

/** Wireshark's labels (packet-mqtt.c mqtt_msgtype_vals), used in the Info column. */
export const packetTypeLabels: readonly string[] = [
  "Reserved",
  "Connect Command",
  "Connect Ack",
  "Publish Message",
  "Publish Ack",
  "Publish Received",
  "Publish Release",
  "Publish Complete",
  "Subscribe Request",
  "Subscribe Ack",
  "Unsubscribe Request",
  "Unsubscribe Ack",
  "Ping Request",
  "Ping Response",
  "Disconnect Req",
  "Authentication Exchange",
];

/**
 * Fixed-header flags each type must carry (3.1.1 Table 2.2, 5.0 Table 2-2);
 * -1 for PUBLISH, whose flags are DUP/QoS/RETAIN.
 */
export const requiredFlags: readonly number[] = [-2, 0, 0, -1, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0];

/** MQTT protocol levels (the CONNECT "Protocol Level" byte). */
export const ProtocolLevel = { v31: 3, v311: 4, v5: 5 } as const;
export const protocolLevelNames: Readonly<Record<number, string>> = { 3: "MQTT 3.1", 4: "MQTT 3.1.1", 5: "MQTT 5.0" };

/** MQTT 3.1.1 CONNACK return codes (§3.2.2.3, Table 3.1). */
export const connackReturnCodes: readonly string[] = [
  "Connection Accepted",
  "Connection Refused: unacceptable protocol version",
  "Connection Refused: identifier rejected",
  "Connection Refused: server unavailable",
  "Connection Refused: bad user name or password",
  "Connection Refused: not authorized",
];

/** MQTT 5.0 reason codes (§2.4, Table 2-6). */
export const reasonCodeNames: Readonly<Record<number, string>> = {
  0x00: "Success",
  0x01: "Granted QoS 1",
  0x02: "Granted QoS 2",
  0x04: "Disconnect with Will Message",
  0x10: "No matching subscribers",
  0x11: "No subscription existed",
  0x18: "Continue authentication",
  0x19: "Re-authenticate",
  0x80: "Unspecified error",
  0x81: "Malformed Packet",
  0x82: "Protocol Error",
  0x83: "Implementation specific error",
  0x84: "Unsupported Protocol Version",
  0x85: "Client Identifier not valid",
  0x86: "Bad User Name or Password",
  0x87: "Not authorized",
  0x88: "Server unavailable",
  0x89: "Server busy",
  0x8a: "Banned",
  0x8b: "Server shutting down",
  0x8c: "Bad authentication method",
  0x8d: "Keep Alive timeout",
  0x8e: "Session taken over",
  0x8f: "Topic Filter invalid",
  0x90: "Topic Name invalid",
  0x91: "Packet Identifier in use",
  0x92: "Packet Identifier not found",
  0x93: "Receive Maximum exceeded",
  0x94: "Topic Alias invalid",
  0x95: "Packet too large",
  0x96: "Message rate too high",
  0x97: "Quota exceeded",
  0x98: "Administrative action",
  0x99: "Payload format invalid",
  0x9a: "Retain not supported",
  0x9b: "QoS not supported",
  0x9c: "Use another server",
  0x9d: "Server moved",
  0x9e: "Shared Subscriptions not supported",
  0x9f: "Connection rate exceeded",
  0xa0: "Maximum connect time",
  0xa1: "Subscription Identifiers not supported",
  0xa2: "Wildcard Subscriptions not supported",
};

/** SUBACK return codes in MQTT 3.1.1 (§3.9.3): granted QoS 0–2, or 0x80 failure. */
export const SUBACK_FAILURE = 0x80;

export function describeReturnCode(code: number, protocolVersion: number): string {
  if (protocolVersion === 5) return reasonCodeNames[code] ?? `Reason code 0x${code.toString(16)}`;
  return connackReturnCodes[code] ?? `Return code ${code} (reserved)`;
}
