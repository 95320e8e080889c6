/**
 * Where the fields of an MQTT CONNECT are, read byte by byte from the start of
 * a client's stream (MQTT 3.1 / 3.1.1 §3.1, MQTT 5.0 §3.1):
 *
 *   fixed header: 0x1_ · Remaining Length (1–4 bytes, §2.2.3)
 *   variable header: protocol name (2-byte length + text) · protocol level (1)
 *                    · connect flags (1) · keep alive (2)
 *                    · MQTT 5 only: properties (Variable Byte Integer length + bytes)
 *   payload: client id · [will properties (5), will topic, will payload]
 *            · [user name] · [password], each a 2-byte length + bytes (§1.5.3)
 *
 * Unlike mqtt-packet, this reader does not judge the packet: the reserved flag
 * bit [MQTT-3.1.2-3], a password without a user name [MQTT-3.1.2-22] or an odd
 * protocol name do not stop it, because a dissector such as Wireshark's still
 * shows those fields. It only needs the length prefixes; a field's contents may
 * lie past the bytes given (a later gap), and its range is still known.
 */

import { looksLikeConnect } from "./connect-header";

export type ConnectFieldName = "clientId" | "willTopic" | "willPayload" | "username" | "password";

/** A field's contents: [start, end) in stream offsets, after its 2-byte length. */
export interface ConnectField {
  name: ConnectFieldName;
  start: number;
  end: number;
}

export type ConnectLocation =
  /** The stream does not begin with a CONNECT. */
  | { status: "not-connect" }
  /** Every field the flags announce was located. */
  | { status: "located"; fields: ConnectField[]; packetEnd: number }
  /**
   * The bytes stopped (at `stoppedAt`) before a length prefix could be read:
   * `fields` holds those located before it. `packetEnd` is known once the
   * Remaining Length was read.
   */
  | { status: "incomplete"; fields: ConnectField[]; stoppedAt: number; packetEnd?: number }
  /** A length runs past the end of the packet: the fields after it are unknown. */
  | { status: "malformed"; fields: ConnectField[]; reason: string; packetEnd: number };

/**
 * How sure we must be before calling the bytes a CONNECT: on a port that
 * carries MQTT, a first byte of type 1 is enough (as Wireshark's port table
 * decides); elsewhere the protocol name and level must match too (a heuristic,
 * like Wireshark's for MQTT on other ports).
 */
export type ConnectDetection = "port" | "heuristic";

const CONNECT_TYPE = 1;
/** RFC 8446 §5.1 ContentType handshake(22). */
const TLS_HANDSHAKE = 0x16;
/** The connect flags (§3.1.2.3). */
const FLAG_USERNAME = 0x80;
const FLAG_PASSWORD = 0x40;
const FLAG_WILL = 0x04;
const MQTT5 = 5;

/**
 * Locate the CONNECT fields in `bytes`, the first bytes of a direction of a
 * TCP stream (offset 0 = the first byte after the SYN).
 */
export function locateConnectFields(bytes: Uint8Array, detection: ConnectDetection): ConnectLocation {
  const available = bytes.length;
  if (available < 1 || bytes[0] >> 4 !== CONNECT_TYPE) return { status: "not-connect" };
  // The analyzer's own heuristic (connect-header.ts), so that both call the same streams MQTT.
  if (detection === "heuristic" && !looksLikeConnect(bytes, 0, available)) return { status: "not-connect" };
  // A TLS handshake record (content type 22, version 3.x) also begins with a type-1 nibble.
  if (bytes[0] === TLS_HANDSHAKE && bytes[1] === 3) return { status: "not-connect" };
  const fields: ConnectField[] = [];
  const remaining = readVariableByteInteger(bytes, 1);
  if (remaining === "incomplete") return { status: "incomplete", fields, stoppedAt: available };
  if (remaining === "malformed") return { status: "malformed", fields, reason: "the Remaining Length has more than 4 bytes", packetEnd: 1 };
  const packetEnd = 1 + remaining.size + remaining.value;
  let at = 1 + remaining.size;
  const stop = (): ConnectLocation => ({ status: "incomplete", fields, stoppedAt: at, packetEnd });
  const overrun = (what: string): ConnectLocation => ({ status: "malformed", fields, reason: `${what} runs past the end of the packet (byte ${packetEnd})`, packetEnd });

  // Protocol name, then level, flags and keep alive (§3.1.2.1–§3.1.2.10).
  if (at + 2 > available) return stop();
  at += 2 + ((bytes[at] << 8) | bytes[at + 1]);
  if (at + 4 > available) return at + 4 > packetEnd ? overrun("the protocol name") : stop();
  const level = bytes[at];
  const flags = bytes[at + 1];
  at += 4;
  if (level === MQTT5) {
    // CONNECT Properties (MQTT 5 §3.1.2.11): a length, then that many bytes.
    const properties = readVariableByteInteger(bytes, at);
    if (properties === "incomplete") return stop();
    if (properties === "malformed") return { status: "malformed", fields, reason: "the property length has more than 4 bytes", packetEnd };
    at += properties.size + properties.value;
  }

  const wanted: ConnectFieldName[] = ["clientId"];
  if (flags & FLAG_WILL) wanted.push("willTopic", "willPayload");
  if (flags & FLAG_USERNAME) wanted.push("username");
  if (flags & FLAG_PASSWORD) wanted.push("password");
  for (const name of wanted) {
    if (name === "willTopic" && level === MQTT5) {
      // Will Properties (MQTT 5 §3.1.3.2) precede the will topic.
      const will = readVariableByteInteger(bytes, at);
      if (will === "incomplete") return at >= packetEnd ? overrun("the will properties") : stop();
      if (will === "malformed") return { status: "malformed", fields, reason: "the will property length has more than 4 bytes", packetEnd };
      at += will.size + will.value;
    }
    if (at + 2 > packetEnd) return overrun(`the ${name} length`);
    if (at + 2 > available) return stop();
    const start = at + 2;
    const end = start + ((bytes[at] << 8) | bytes[at + 1]);
    fields.push({ name, start, end });
    if (end > packetEnd) return overrun(`the ${name}`);
    at = end;
  }
  return { status: "located", fields, packetEnd };
}

/** Variable Byte Integer (MQTT 5 §1.5.5, 3.1.1 §2.2.3): at most 4 bytes, 7 bits each. */
export function readVariableByteInteger(bytes: Uint8Array, at: number): { value: number; size: number } | "incomplete" | "malformed" {
  let value = 0;
  for (let size = 0; size < 4; size++) {
    if (at + size >= bytes.length) return "incomplete";
    const byte = bytes[at + size];
    value += (byte & 0x7f) * 128 ** size;
    if ((byte & 0x80) === 0) return { value, size: size + 1 };
  }
  return "malformed";
}
