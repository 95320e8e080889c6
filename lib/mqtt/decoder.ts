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
import type { DecodedAhead } from "./decoded-ahead";

export type DecodedPacket = Packet;

interface ParserInternals {
  settings: { protocolVersion: number };
  _list: unknown;
  _pos: number;
  parse(buffer: Buffer): number;
  _resetState(): void;
}

/**
 * The part of the `bl` BufferList API that mqtt-packet's parser uses (append,
 * consume, length, readUInt8/16BE/32BE, slice, toString), over one buffer.
 *
 * mqtt-packet is a streaming parser: it keeps a BufferList so that it can be
 * fed arbitrary chunks. We only ever feed it one whole packet that our framer
 * has already cut out, so that machinery is pure overhead: profiled on a
 * million-packet capture, bl's append/consume/slice bookkeeping was about half
 * of mqtt-packet's time. Giving the parser this view instead keeps every line
 * of mqtt-packet's decoding and avoids the copies and sub-buffer allocations.
 * It depends on the parser's internals, so mqtt-packet is pinned to an exact
 * version and test/mqtt/decoder.test.ts round-trips every packet type through
 * mqtt-packet's own generator.
 */
class OnePacketList {
  private buffer: Buffer = Buffer.alloc(0);
  private offset = 0;
  length = 0;

  /** The packet to hand out at the parser's next append() (a window of a bigger buffer). */
  private nextBuffer: Buffer | undefined;
  private nextStart = 0;
  private nextEnd = 0;

  /** Set the window the next parse() will read: no sub-buffer is made for it. */
  prepare(buffer: Buffer, start: number, end: number): void {
    this.nextBuffer = buffer;
    this.nextStart = start;
    this.nextEnd = end;
  }

  append(buffer: Buffer): this {
    if (this.nextBuffer !== undefined) {
      this.buffer = this.nextBuffer;
      this.offset = this.nextStart;
      this.length = this.nextEnd - this.nextStart;
      this.nextBuffer = undefined;
      return this;
    }
    this.buffer = buffer;
    this.offset = 0;
    this.length = buffer.length;
    return this;
  }

  consume(bytes: number): this {
    const n = Math.max(0, Math.min(Math.floor(bytes), this.length));
    this.offset += n;
    this.length -= n;
    return this;
  }

  readUInt8(index: number): number {
    if (index < 0 || index >= this.length) throw new RangeError(`index ${index} is out of range of a ${this.length}-byte packet`);
    return this.buffer[this.offset + index];
  }

  readUInt16BE(index: number): number {
    if (index < 0 || index + 2 > this.length) throw new RangeError(`index ${index} is out of range of a ${this.length}-byte packet`);
    return (this.buffer[this.offset + index] << 8) | this.buffer[this.offset + index + 1];
  }

  readUInt32BE(index: number): number {
    if (index < 0 || index + 4 > this.length) throw new RangeError(`index ${index} is out of range of a ${this.length}-byte packet`);
    return this.buffer.readUInt32BE(this.offset + index);
  }

  /** bl semantics: bounds clamp to the list; past the end gives an empty buffer. */
  slice(start = 0, end = this.length): Buffer {
    return this.clamp(start, end) ? this.buffer.subarray(this.rangeStart, this.rangeEnd) : Buffer.alloc(0);
  }

  /** Same text as slice(start, end).toString(encoding), without making the sub-buffer. */
  toString(encoding?: BufferEncoding, start = 0, end = this.length): string {
    return this.clamp(start, end) ? this.buffer.toString(encoding, this.rangeStart, this.rangeEnd) : "";
  }

  /** The buffer positions of [start, end) clamped as bl does; false when that is empty. */
  private rangeStart = 0;
  private rangeEnd = 0;
  private clamp(start: number, end: number): boolean {
    if (start < 0) start += this.length;
    if (end < 0) end += this.length;
    if (end > this.length) end = this.length;
    if (start >= this.length || end <= start) return false;
    this.rangeStart = this.offset + start;
    this.rangeEnd = this.offset + end;
    return true;
  }
}

const parser = mqttPacket.parser({ protocolVersion: 4 }) as unknown as ParserInternals & NodeJS.EventEmitter;
const list = new OnePacketList();
const EMPTY = Buffer.alloc(0);
parser._list = list;
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
 * `protocolVersion` (3, 4 or 5). Never throws. `ahead`: the packets the
 * reader thread decoded for the frame `bytes` belongs to, when it did.
 */
export function decodeMqttPacket(bytes: Uint8Array, start: number, end: number, protocolVersion: number, ahead?: DecodedAhead): DecodeResult {
  // Decoded by this same function on the reader thread already (predecode.ts)?
  if (ahead !== undefined) {
    const packet = ahead.take(bytes, start, end, protocolVersion);
    if (packet !== undefined) return { packet };
  }
  lastPacket = undefined;
  lastError = undefined;
  parser.settings = settingsByVersion[protocolVersion] ?? settingsByVersion[4];
  // After an error mqtt-packet's parse() resets itself with a fresh bl list: put ours back.
  if (parser._list !== list) parser._list = list;
  // Capture bytes are Buffers already (file chunks, pcap-parser's slices):
  // read the packet in place. Plain Uint8Arrays get a Buffer view once.
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  list.prepare(buffer, start, end);
  let left: number;
  try {
    left = parser.parse(EMPTY);
  } catch (error) {
    // mqtt-packet can throw on some hostile inputs (e.g. invalid UTF-8 handling
    // or property decoding); treat it like an error event.
    lastError = error instanceof Error ? error : new Error(String(error));
    left = 1;
  }
  if (left !== 0 || lastError) {
    // _resetState() leaves the read position `_pos` where the failed packet
    // stopped (only a completed packet sets it back to 0). A streaming parser
    // is normally thrown away after an error; ours serves every connection, so
    // reset it fully or every later packet would be read at the wrong offset.
    parser._resetState();
    parser._pos = 0;
    parser._list = list;
    list.append(Buffer.alloc(0));
  }
  if (lastError) return { error: lastError.message };
  if (!lastPacket) return { error: "the packet ended before it was complete" };
  return { packet: lastPacket };
}

/** The spec name of a packet type number (1–15). */
export function packetTypeName(type: number): PacketTypeName | undefined {
  const name = packetTypeNames[type];
  return name === "" ? undefined : name;
}
