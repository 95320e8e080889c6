/**
 * Full decoding of one framed MQTT packet, by mqtt-packet.
 *
 * How we use mqtt-packet (see STYLE.md's pitfalls):
 * - The framer has already found the packet's exact bytes, so one parser
 *   serves every connection and direction: each call parses exactly one
 *   packet and leaves the parser empty.
 * - mqtt-packet learns the protocol version only from a CONNECT it parsed
 *   itself (it then replaces its settings with that packet). We set the
 *   version explicitly before every call, from what the connection's CONNECT
 *   said, for both directions.
 * - Its parser is an EventEmitter: an `error` with no listener would throw,
 *   so both `packet` and `error` are listened to.
 */
import * as mqttPacket from "mqtt-packet";
import type { Packet } from "mqtt-packet";
import { packetTypeNames, type PacketTypeName } from "./constants";

export type DecodedPacket = Packet;

interface ParserInternals {
  settings: { protocolVersion: number };
  parse(buffer: Buffer): number;
  _resetState(): void;
}

const parser = mqttPacket.parser({ protocolVersion: 4 }) as unknown as ParserInternals & NodeJS.EventEmitter;
const settingsByVersion: Record<number, { protocolVersion: number }> = {
  3: { protocolVersion: 3 },
  4: { protocolVersion: 4 },
  5: { protocolVersion: 5 },
};
let lastPacket: Packet | undefined;
let lastError: Error | undefined;
parser.on("packet", (packet: Packet) => {
  lastPacket = packet;
});
parser.on("error", (error: Error) => {
  lastError = error;
});

export interface DecodeResult {
  packet?: Packet;
  /** Why decoding failed (mqtt-packet's message). */
  error?: string;
}

/**
 * Decode the complete MQTT packet `bytes[start, end)` as protocol level
 * `protocolVersion` (3, 4 or 5). Never throws.
 */
export function decodeMqttPacket(bytes: Uint8Array, start: number, end: number, protocolVersion: number): DecodeResult {
  lastPacket = undefined;
  lastError = undefined;
  parser.settings = settingsByVersion[protocolVersion] ?? settingsByVersion[4];
  const view = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
  let left: number;
  try {
    left = parser.parse(view);
  } catch (error) {
    // mqtt-packet can throw on some hostile inputs (e.g. invalid UTF-8 handling
    // or property decoding); treat it like an error event.
    lastError = error instanceof Error ? error : new Error(String(error));
    left = 1;
  }
  if (left !== 0 || lastError) parser._resetState();
  if (lastError) return { error: lastError.message };
  if (!lastPacket) return { error: "the packet ended before it was complete" };
  return { packet: lastPacket };
}

/** The spec name of a packet type number (1–15). */
export function packetTypeName(type: number): PacketTypeName | undefined {
  const name = packetTypeNames[type];
  return name === "" ? undefined : name;
}
