/**
 * MQTT decoding done ahead, on the capture reader's thread.
 *
 * On a big capture the main thread is the bottleneck and mqtt-packet is about
 * a quarter of its time, while the reader thread (threaded-reader.ts) is idle
 * three quarters of the time. Most segments of device traffic carry whole MQTT
 * packets: the reader thread can frame such a segment on its own, without the
 * stream's reassembly state, and run mqtt-packet on each packet there. The
 * decoded fields travel with the frame to the main thread, which uses them
 * when its own framing (reassembly, then the framer) asks to decode exactly
 * the same bytes, `[start, end)` of the same frame, at the same protocol
 * version. Anything else it decodes itself, as before.
 *
 * So every packet is still decoded by mqtt-packet, by the same function
 * (`decodeMqttPacket`), on the same bytes with the same version: only the
 * thread differs, and results are identical by construction. Only packets
 * whose decoded form is a handful of plain fields are carried over (PUBLISH
 * without MQTT 5 properties, the acknowledgements, pings, DISCONNECT);
 * CONNECT, SUBSCRIBE, SUBACK, properties and errors are left to the main
 * thread. test/mqtt/predecode.test.ts checks the round trip field by field.
 */
import type { Packet } from "mqtt-packet";
import { decodeToTcp, emptyTcpWalk, TcpWalkStop } from "../layers/decode-to-tcp";
import { hashAddressWords, readAddressWords, tupleKey } from "../tcp/tuple-key";
import { PacketType } from "./constants";
import { connectLevel } from "./connect-header";
import { decodeMqttPacket } from "./decoder";
import { readFixedHeader } from "./framer";
import { PREDECODED_FIELDS, commandOfType } from "./decoded-ahead";

/** Types whose decoded packet can be plain fields (the others are never tried). */
const carriedTypes = new Set<number>([
  PacketType.PUBLISH, PacketType.PUBACK, PacketType.PUBREC, PacketType.PUBREL, PacketType.PUBCOMP,
  PacketType.PINGREQ, PacketType.PINGRESP, PacketType.DISCONNECT,
]);

/** The own properties a carried packet may have: mqtt-packet's Packet fields plus messageId and reasonCode. */
function isCarriedKey(key: string): boolean {
  switch (key) {
    case "cmd":
    case "retain":
    case "qos":
    case "dup":
    case "length":
    case "topic":
    case "payload":
    case "messageId":
    case "reasonCode":
      return true;
    default:
      return false;
  }
}

/** At most this many packets of one segment are decoded ahead (a bound on hostile input). */
const MAX_PACKETS_PER_FRAME = 64;
/**
 * Connections whose CONNECT asked for a non-default level that are
 * remembered; past this the memory starts afresh (forgetting only costs the
 * main thread some decoding, never correctness).
 */
const MAX_REMEMBERED_VERSIONS = 1 << 14;

/** A growing table of predecoded packets and their topic strings, for one batch. */
export class PredecodedBatch {
  table = new Int32Array(PREDECODED_FIELDS * 1024);
  count = 0;
  strings: string[] = [];
  private readonly stringIndex = new Map<string, number>();

  /** Start a new batch (the previous table and strings were handed over). */
  reset(): void {
    this.table = new Int32Array(PREDECODED_FIELDS * 1024);
    this.count = 0;
    this.strings = [];
    this.stringIndex.clear();
  }

  /** Index of `text` in this batch's strings (a topic repeated in a batch is sent once). */
  intern(text: string): number {
    let index = this.stringIndex.get(text);
    if (index === undefined) {
      index = this.strings.length;
      this.strings.push(text);
      this.stringIndex.set(text, index);
    }
    return index;
  }

  /** Room for one more packet; returns the offset of its fields. */
  add(): number {
    if ((this.count + 1) * PREDECODED_FIELDS > this.table.length) {
      const bigger = new Int32Array(this.table.length * 2);
      bigger.set(this.table);
      this.table = bigger;
    }
    return this.count++ * PREDECODED_FIELDS;
  }
}

/**
 * The reader thread's side: finds the TCP payload of a frame, frames it as
 * MQTT when it is a whole number of packets, and decodes them with
 * mqtt-packet. It keeps only the protocol version each connection's CONNECT
 * asked for (a guess the main thread checks, never trusts).
 */
export class MqttPredecoder {
  private readonly defaultVersion: number;
  private readonly versions = new Map<number, number>();
  private readonly walk = emptyTcpWalk();
  private readonly walkFrame: { bytes: Uint8Array; linkType: number } = { bytes: new Uint8Array(0), linkType: 0 };
  private readonly fixedHeader = new Int32Array(1);
  private readonly words = new Uint32Array(4);
  private readonly starts = new Int32Array(MAX_PACKETS_PER_FRAME);
  private readonly headerLengths = new Int32Array(MAX_PACKETS_PER_FRAME);

  constructor(defaultVersion: number) {
    this.defaultVersion = defaultVersion;
  }

  /**
   * Decode ahead what `bytes` (one frame) carries into `batch`; returns how
   * many packets were added. Never throws: this runs on the reader thread,
   * where an exception would end the reading, so a decoder bug here only
   * means the main thread decodes the frame's packets itself.
   */
  frame(bytes: Uint8Array, linkType: number, batch: PredecodedBatch): number {
    const before = batch.count;
    try {
      return this.decodeFrame(bytes, linkType, batch);
    } catch {
      batch.count = before;
      return 0;
    }
  }

  private decodeFrame(bytes: Uint8Array, linkType: number, batch: PredecodedBatch): number {
    const walk = this.walk;
    this.walkFrame.bytes = bytes;
    this.walkFrame.linkType = linkType;
    if (decodeToTcp(this.walkFrame, walk) !== TcpWalkStop.tcp) return 0;
    const tcp = walk.tcp;
    const start = walk.payloadStart;
    const end = walk.payloadEnd;
    if (end - start < 2) return 0;
    let hashSrc: number;
    let hashDst: number;
    if (walk.v4) {
      hashSrc = walk.v4.src;
      hashDst = walk.v4.dst;
    } else {
      readAddressWords(bytes, walk.v6!.srcOffset, this.words);
      hashSrc = hashAddressWords(this.words);
      readAddressWords(bytes, walk.v6!.dstOffset, this.words);
      hashDst = hashAddressWords(this.words);
    }

    // A whole number of MQTT packets, or nothing (MQTT §2.1: fixed header, Remaining Length).
    let packets = 0;
    for (let position = start; position < end; packets++) {
      if (packets === MAX_PACKETS_PER_FRAME) return 0;
      const total = readFixedHeader(bytes, position, end, this.fixedHeader);
      if (total < 0 || position + total > end) return 0;
      this.starts[packets] = position;
      this.headerLengths[packets] = this.fixedHeader[0];
      position += total;
    }

    const key = tupleKey(hashSrc, tcp.srcPort, hashDst, tcp.dstPort);
    let version = this.versions.get(key) ?? this.defaultVersion;
    let added = 0;
    for (let i = 0; i < packets; i++) {
      const packetStart = this.starts[i];
      const packetEnd = i + 1 < packets ? this.starts[i + 1] : end;
      const type = bytes[packetStart] >> 4;
      if (type === PacketType.CONNECT) {
        version = connectLevel(bytes, packetStart + this.headerLengths[i], packetEnd) ?? this.defaultVersion;
        // Only streams at another level than the default need remembering.
        if (version === this.defaultVersion) this.versions.delete(key);
        else {
          if (this.versions.size >= MAX_REMEMBERED_VERSIONS) this.versions.clear();
          this.versions.set(key, version);
        }
        continue;
      }
      if (!carriedTypes.has(type)) continue;
      const decoded = decodeMqttPacket(bytes, packetStart, packetEnd, version);
      if (decoded.packet && this.carry(decoded.packet, type, bytes, packetStart, packetEnd, version, batch)) added++;
    }
    return added;
  }

  /** Put a decoded packet into the batch, if it is one of the plain-field kinds. */
  private carry(packet: Packet, type: number, bytes: Uint8Array, start: number, end: number, version: number, batch: PredecodedBatch): boolean {
    const fields = packet as unknown as Record<string, unknown>;
    for (const key in fields) if (!isCarriedKey(key)) return false;
    const { retain, qos, dup, length, topic, payload, messageId, reasonCode } = fields;
    if (commandOfType[type] !== packet.cmd || typeof retain !== "boolean" || typeof dup !== "boolean" || (qos !== 0 && qos !== 1 && qos !== 2)) return false;
    if (!Number.isInteger(length) || (length as number) < 0) return false;
    if (topic !== null && typeof topic !== "string") return false;
    if (messageId !== undefined && !(Number.isInteger(messageId) && (messageId as number) >= 0 && (messageId as number) <= 0xffff)) return false;
    if (reasonCode !== undefined && !(Number.isInteger(reasonCode) && (reasonCode as number) >= 0 && (reasonCode as number) <= 0xff)) return false;
    let payloadStart = -1;
    let payloadEnd = -1;
    if (payload !== null) {
      // The payload must be a window of this frame's bytes, so the main thread can make the same one.
      if (!Buffer.isBuffer(payload) || payload.buffer !== bytes.buffer) return false;
      payloadStart = payload.byteOffset - bytes.byteOffset;
      payloadEnd = payloadStart + payload.length;
      if (payloadStart < start || payloadEnd > end) return false;
    }
    const at = batch.add();
    const table = batch.table;
    table[at] = start;
    table[at + 1] = end;
    table[at + 2] = version;
    table[at + 3] = type;
    table[at + 4] = (retain ? 1 : 0) | (dup ? 2 : 0) | (qos << 2);
    table[at + 5] = length as number;
    table[at + 6] = topic === null ? -1 : batch.intern(topic as string);
    table[at + 7] = payloadStart;
    table[at + 8] = payloadEnd;
    table[at + 9] = messageId === undefined ? -1 : (messageId as number);
    table[at + 10] = reasonCode === undefined ? -1 : (reasonCode as number);
    return true;
  }
}
