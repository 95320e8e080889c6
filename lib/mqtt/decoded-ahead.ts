/**
 * The main thread's half of decoding ahead (predecode.ts has the reader
 * thread's half and the reasoning): the packets the reader thread decoded for
 * the frame being analysed. Whoever analyses the frame points a DecodedAhead
 * at them and passes it to `decodeMqttPacket`, which takes a packet from it
 * only for the very bytes and protocol version it is asked to decode.
 */
import type { Packet } from "mqtt-packet";

/** Numbers per predecoded packet in a batch's table. */
export const PREDECODED_FIELDS = 11;
// [0] start, [1] end: the packet's bytes in the frame; [2] protocol version;
// [3] packet type (1–15); [4] flags: retain 1, dup 2, qos << 2; [5] mqtt-packet's
// length (Remaining Length); [6] topic: index in the batch's strings, -1 for
// null; [7] payload start in the frame, -1 for null; [8] payload end;
// [9] messageId, -1 when absent; [10] reasonCode, -1 when absent.

/** mqtt-packet's `cmd` for each packet type number. */
export const commandOfType: ReadonlyArray<Packet["cmd"] | undefined> = [
  undefined, "connect", "connack", "publish", "puback", "pubrec", "pubrel", "pubcomp",
  "subscribe", "suback", "unsubscribe", "unsuback", "pingreq", "pingresp", "disconnect", "auth",
];

/**
 * The main thread's side: the packets decoded ahead for one frame. Point it
 * at a frame's packets with `begin`, pass it to `decodeMqttPacket` while that
 * frame is analysed, and `end` it after; one object serves frame after frame.
 */
export class DecodedAhead {
  private bytes: Uint8Array | undefined;
  private table: Int32Array = new Int32Array(0);
  private strings: string[] = [];
  private next = 0;
  private limit = 0;
  /** Packets taken from the reader thread's decoding, by every DecodedAhead (a statistic for tests and the benchmark). */
  static taken = 0;

  begin(bytes: Uint8Array, table: Int32Array, strings: string[], from: number, count: number): void {
    this.bytes = count > 0 ? bytes : undefined;
    this.table = table;
    this.strings = strings;
    this.next = from;
    this.limit = from + count;
  }

  end(): void {
    this.bytes = undefined;
  }

  /** The packet decoded ahead for exactly `bytes[start, end)` at `version`, if there is one. */
  take(bytes: Uint8Array, start: number, end: number, version: number): Packet | undefined {
    if (bytes !== this.bytes) return undefined;
    const table = this.table;
    for (let i = this.next; i < this.limit; i++) {
      const at = i * PREDECODED_FIELDS;
      const packetStart = table[at];
      if (packetStart > start) return undefined;
      if (packetStart < start) continue;
      this.next = i + 1;
      if (table[at + 1] !== end || table[at + 2] !== version) return undefined;
      DecodedAhead.taken++;
      return this.rebuild(bytes, at);
    }
    return undefined;
  }

  /** The same object mqtt-packet made (own fields in its order), from the table. */
  private rebuild(bytes: Uint8Array, at: number): Packet {
    const table = this.table;
    const flags = table[at + 4];
    const topicIndex = table[at + 6];
    const payloadStart = table[at + 7];
    const packet: Record<string, unknown> = {
      cmd: commandOfType[table[at + 3]],
      retain: (flags & 1) !== 0,
      qos: flags >> 2,
      dup: (flags & 2) !== 0,
      length: table[at + 5],
      topic: topicIndex < 0 ? null : this.strings[topicIndex],
      payload: payloadStart < 0 ? null : asBuffer(bytes).subarray(payloadStart, table[at + 8]),
    };
    if (table[at + 9] >= 0) packet.messageId = table[at + 9];
    if (table[at + 10] >= 0) packet.reasonCode = table[at + 10];
    return packet as unknown as Packet;
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
