/**
 * A copy of a capture that is safe to share: the MQTT CONNECT passwords (and,
 * optionally, client ids and user names, which name the device) are
 * overwritten in place with filler of the same length, so every sequence
 * number, length and frame stays exactly as captured.
 *
 * The password is only there because the protocol carries it (for the
 * Alibaba-style platform it is an HMAC that expires with its timestamp), but a
 * capture on a ticket or in a slide should not carry it at all.
 *
 * How, in order:
 * 1. Each frame is walked link → IP → TCP once (tcpSegmentOf) and placed in its
 *    direction of its tcp.stream (numbered by the Analyzer, as Wireshark does).
 * 2. Each direction is reassembled from its SYN (or its lowest sequence
 *    number); the CONNECTs at its start are read byte by byte
 *    (mqtt/connect-fields.ts), giving each field as a TCP sequence range.
 *    MQTT is recognised by port (1883 and `mqttPorts`) or, on any other port
 *    (8883 included), by a CONNECT that names MQTT at the stream start.
 * 3. Every frame whose TCP payload overlaps such a range is overwritten there:
 *    retransmissions, overlapping and out-of-order segments included. A
 *    password of 4 bytes or more is also overwritten wherever else a TCP
 *    stream repeats it (a PUBLISH that echoes it, say).
 * 4. The result is checked, failing closed: a password range not wholly
 *    captured (a lost segment), any IP fragment of TCP, a CONNECT that could not be
 *    read to its password, segments that disagree about its bytes, a copy of
 *    the password left in any frame, or a CONNECT the analysis still decodes
 *    with a password, each go to `notRedacted`, and `report.clean` is false.
 *    The CLI then writes no file.
 *
 * A pcapng's Decryption Secrets Blocks (§4.7: a TLS key log embedded by
 * `editcap --inject-secrets`) are session keys that decrypt every record: the
 * copy is written from the frames alone, so it never carries them, and the
 * report counts those left behind (`secretsRemoved`).
 */
import { Analyzer, DEFAULT_MQTT_PORT } from "../analysis/analyzer";
import { analyzeCapture } from "../analysis/analyze";
import type { AnalyzeOptions } from "../analysis/analyzer";
import type { Direction } from "../analysis/types";
import type { CaptureInfo, Frame } from "../capture/frame";
import { readFrames } from "../capture/frames";
import type { CaptureSource } from "../capture/source";
import { encodePcap, encodePcapng } from "../capture/writer";
import { decodeToTcp, emptyTcpWalk, TcpWalkStop } from "../layers/decode-to-tcp";
import { TcpFlag } from "../layers/tcp";
import { locateConnectFields, type ConnectFieldName } from "../mqtt/connect-fields";
import { readFixedHeader } from "../mqtt/framer";

export interface RedactOptions extends Pick<AnalyzeOptions, "mqttPorts" | "tlsPorts"> {
  /** Also overwrite client ids and user names (they name the product and device). */
  identities?: boolean;
  /** Byte written over redacted fields (default "*"). */
  filler?: string;
}

export type RedactedField = "password" | "username" | "clientId";

export interface RedactionReport {
  format: CaptureInfo["format"];
  frames: number;
  /**
   * One entry per field (or copy of a password): `frame` is the first frame
   * that carried it, `frames` every frame overwritten (retransmissions too).
   * `copy` marks a password repeated outside its CONNECT.
   */
  redacted: Array<{ frame: number; frames: number[]; stream: number; field: RedactedField; bytes: number; copy?: true }>;
  /** Fields that could not be overwritten or shown to be gone, and why. */
  notRedacted: Array<{ frame: number; stream: number; field: RedactedField; reason: string }>;
  /** True when `notRedacted` is empty: only then is the copy fit to share. */
  clean: boolean;
  /** Decryption Secrets Blocks in the original, left out of the copy (by secrets type, e.g. "TLSK"). */
  secretsRemoved: Array<{ type: string; bytes: number }>;
}

/** A pcapng secrets type as its four characters ("TLSK" = 0x544c534b), else hex. */
function secretsTypeName(type: number): string {
  const chars = [24, 16, 8, 0].map((shift) => (type >>> shift) & 0xff);
  return chars.every((c) => c >= 0x20 && c < 0x7f) ? String.fromCharCode(...chars) : `0x${type.toString(16).padStart(8, "0")}`;
}

export interface RedactedCapture {
  /** The copy. Do not share it unless `report.clean`. */
  bytes: Buffer;
  report: RedactionReport;
}

/** Passwords shorter than this are not searched for elsewhere: too many innocent matches. */
export const MIN_REPEATED_PASSWORD = 4;

export async function redactCapture(source: CaptureSource, options: RedactOptions = {}): Promise<RedactedCapture> {
  // Read everything first: a capture worth sharing is small. Frames are copied so edits stay private.
  const bytes = typeof source === "string" || source instanceof Uint8Array || source instanceof ArrayBuffer ? source : await collect(source);
  let info: CaptureInfo | undefined;
  const frames: Frame[] = [];
  const secretsRemoved: RedactionReport["secretsRemoved"] = [];
  const onSecrets = (type: number, data: Uint8Array) => secretsRemoved.push({ type: secretsTypeName(type), bytes: data.length });
  for await (const frame of readFrames(bytes, { onInfo: (i) => (info = i), onSecrets })) frames.push({ ...frame, bytes: Uint8Array.from(frame.bytes) });
  if (!info) throw new Error("the capture has no header");
  const filler = (options.filler ?? "*").charCodeAt(0);
  const mqttPorts = new Set([DEFAULT_MQTT_PORT, ...(options.mqttPorts ?? [])]);
  const report: RedactionReport = { format: info.format, frames: frames.length, redacted: [], notRedacted: [], clean: false, secretsRemoved };

  const directions = placeSegments(info, frames, options, report);
  const plan = new RedactionPlan();
  // Each direction is reassembled once before any edit (the runs are copies): its CONNECTs and the repeated passwords are both found there.
  const reassembled = directions.map((direction) => reassemble(direction, frames));
  directions.forEach((direction, i) => planConnects(direction, reassembled[i], frames, mqttPorts, options.identities ?? false, filler, plan, report));
  const passwords = plan.passwords.filter((p) => p.length >= MIN_REPEATED_PASSWORD && !p.every((b) => b === filler));
  directions.forEach((direction, i) => planRepeatedPasswords(direction, reassembled[i].runs, passwords, plan));

  // Overwrite, then mend the TCP checksum of each edited frame whose checksum was right.
  const edited = new Set<Segment>();
  for (const range of plan.ranges) {
    const carriers: number[] = [];
    for (const segment of range.direction.segments) {
      const from = Math.max(range.start, segment.offset);
      const to = Math.min(range.end, segment.offset + segment.capturedLength);
      if (from >= to) continue;
      const at = segment.payloadStart - segment.offset;
      frames[segment.frameIndex].bytes.fill(filler, at + from, at + to);
      carriers.push(frames[segment.frameIndex].frame);
      edited.add(segment);
    }
    if (carriers.length === 0) continue;
    carriers.sort((a, b) => a - b);
    const entry: RedactionReport["redacted"][number] = { frame: carriers[0], frames: [...new Set(carriers)], stream: range.direction.stream, field: range.field, bytes: range.end - range.start };
    if (range.copy) entry.copy = true;
    report.redacted.push(entry);
  }
  for (const segment of edited) segment.mendChecksum?.(frames[segment.frameIndex].bytes);
  const encoded = info.format === "pcap" ? encodePcap(info, frames) : encodePcapng(info, frames, "iot-wire-lab redact");

  await verify(encoded, frames, directions, passwords, filler, options, report);
  report.redacted.sort((a, b) => a.frame - b.frame || a.field.localeCompare(b.field));
  report.notRedacted.sort((a, b) => a.frame - b.frame);
  report.clean = report.notRedacted.length === 0;
  return { bytes: encoded, report };
}

// 1. Segments, placed in their direction ----------------------------------------

/** One TCP segment that carries data, as found by tcpSegmentOf. */
interface Segment {
  frameIndex: number;
  /** Sequence number of the first payload byte (after a SYN's own number). */
  seq: number;
  /** Filled in once the direction's first byte is known: seq − base, signed. */
  offset: number;
  payloadStart: number;
  capturedLength: number;
  /** Payload bytes on the wire (the IP length says), captured or not. */
  wireLength: number;
  /** The snapshot length cut this frame: bytes past `capturedLength` were on the wire, not in the file. */
  cutBySnapLength: boolean;
  /** Rewrites the TCP checksum after an edit (only when the captured one was right). */
  mendChecksum?: (bytes: Uint8Array) => void;
}

interface StreamDirection {
  stream: number;
  direction: Direction;
  /** The port the bytes go to (the server's for client->server). */
  dstPort: number;
  /** The SYN's sequence number, when the SYN was captured. */
  isn?: number;
  segments: Segment[];
}

/** Where a frame's TCP segment is: the one link → IP → TCP walk of this module. */
interface WalkedSegment extends Omit<Segment, "offset" | "frameIndex"> {
  syn: boolean;
  synSeq: number;
  dstPort: number;
}

/** "tcp-fragment": an IP fragment of a TCP segment, which is not reassembled. */
/** Headers reused for every frame the redactor walks. */
const walk = emptyTcpWalk();

function tcpSegmentOf(frame: Frame): WalkedSegment | "tcp-fragment" | undefined {
  // The one link → IP → TCP walk (layers/decode-to-tcp.ts).
  const stop = decodeToTcp(frame, walk);
  if (stop === TcpWalkStop.ipFragment) return (walk.v4 ?? walk.v6)!.protocol === 6 ? "tcp-fragment" : undefined;
  if (stop !== TcpWalkStop.tcp) return undefined;
  const bytes = frame.bytes;
  const tcp = walk.tcp;
  let tcpStart: number;
  let tcpEnd: number;
  let pseudo: Buffer;
  if (walk.v4) {
    const ip = walk.v4;
    tcpStart = ip.payloadStart;
    tcpEnd = ip.payloadEnd;
    pseudo = Buffer.alloc(12);
    Buffer.from(bytes.buffer, bytes.byteOffset + walk.link!.payloadStart + 12, 8).copy(pseudo, 0);
    pseudo[9] = 6;
    pseudo.writeUInt16BE(ip.payloadLength, 10);
  } else {
    const ip = walk.v6!;
    tcpStart = ip.payloadStart;
    tcpEnd = ip.payloadEnd;
    pseudo = Buffer.alloc(40);
    Buffer.from(bytes.buffer, bytes.byteOffset + ip.srcOffset, 32).copy(pseudo, 0);
    pseudo.writeUInt32BE(tcpEnd - tcpStart, 32);
    pseudo[39] = 6;
  }
  const wireLength = walk.wireLength;
  const capturedLength = Math.max(0, Math.min(tcp.payloadEnd - tcp.payloadStart, wireLength));
  const syn = (tcp.flags & TcpFlag.SYN) !== 0;
  const segmentBytes = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset + tcpStart, tcpEnd - tcpStart);
  const checksumWasRight = frame.capturedLength === frame.originalLength && internetChecksum([pseudo, segmentBytes(bytes)]) === 0;
  return {
    seq: (tcp.seq + (syn ? 1 : 0)) >>> 0,
    syn,
    synSeq: tcp.seq,
    dstPort: tcp.dstPort,
    payloadStart: tcp.payloadStart,
    capturedLength,
    wireLength,
    cutBySnapLength: capturedLength < wireLength && frame.capturedLength < frame.originalLength,
    mendChecksum: checksumWasRight
      ? (b) => {
          const segment = segmentBytes(b);
          segment.writeUInt16BE(0, 16);
          segment.writeUInt16BE(internetChecksum([pseudo, segment]), 16);
        }
      : undefined,
  };
}

/**
 * Group the segments by tcp.stream and direction. The Analyzer numbers the
 * streams (port reuse and all), so the report's numbers are the ones the
 * analysis and Wireshark show.
 */
function placeSegments(info: CaptureInfo, frames: Frame[], options: RedactOptions, report: RedactionReport): StreamDirection[] {
  const rows: Array<{ stream: number; direction?: Direction }> = [];
  const analyzer = new Analyzer({ mqttPorts: options.mqttPorts, tlsPorts: options.tlsPorts }, { packet: (row) => (rows[row.frame - 1] = row) });
  analyzer.info(info);
  for (const frame of frames) analyzer.frame(frame);
  analyzer.finish();
  const byKey = new Map<string, StreamDirection>();
  frames.forEach((frame, frameIndex) => {
    const walked = tcpSegmentOf(frame);
    if (walked === "tcp-fragment") {
      // Fragments are not reassembled (the analysis skips them too): a password in one could not be found.
      report.notRedacted.push({ frame: frame.frame, stream: -1, field: "password", reason: "an IP fragment of a TCP segment: fragments are not reassembled, so a password in it cannot be found" });
      return;
    }
    const row = rows[frameIndex];
    if (!row || row.stream < 0 || !row.direction || !walked) return;
    const key = `${row.stream} ${row.direction}`;
    let direction = byKey.get(key);
    if (!direction) byKey.set(key, (direction = { stream: row.stream, direction: row.direction, dstPort: walked.dstPort, segments: [] }));
    if (walked.syn && direction.isn === undefined) direction.isn = walked.synSeq;
    const { syn: _syn, synSeq: _synSeq, dstPort: _dstPort, ...segment } = walked;
    if (segment.wireLength > 0) direction.segments.push({ ...segment, frameIndex, offset: 0 });
  });
  for (const direction of byKey.values()) {
    // The first byte is the one after the SYN, else the lowest sequence number seen (mod 2^32).
    let base = direction.isn !== undefined ? (direction.isn + 1) >>> 0 : undefined;
    if (base === undefined && direction.segments.length > 0) {
      const reference = direction.segments[0].seq;
      let lowest = 0;
      for (const s of direction.segments) lowest = Math.min(lowest, (s.seq - reference) | 0);
      base = (reference + lowest) >>> 0;
    }
    for (const s of direction.segments) s.offset = (s.seq - (base ?? 0)) | 0;
  }
  return [...byKey.values()];
}

// 2. Reassembly and the CONNECT fields -----------------------------------------------

/** A stretch of a direction with every byte captured, and where its segments disagreed. */
interface Run {
  offset: number;
  bytes: Buffer;
}

interface Reassembled {
  runs: Run[];
  /** [start, end) offsets where an overlapping segment carried other bytes than the first. */
  conflicts: Array<[number, number]>;
}

/** Join the captured bytes of a direction into runs, first copy first (as Wireshark's reassembly keeps the first). */
function reassemble(direction: StreamDirection, frames: Frame[]): Reassembled {
  const segments = direction.segments.filter((s) => s.offset + s.capturedLength > 0).sort((a, b) => a.offset - b.offset || a.frameIndex - b.frameIndex);
  const runs: Run[] = [];
  const conflicts: Array<[number, number]> = [];
  let buffer = Buffer.alloc(0);
  let start = 0;
  let end = 0;
  const close = () => {
    if (end > start) runs.push({ offset: start, bytes: buffer.subarray(0, end - start) });
  };
  for (const segment of segments) {
    const from = Math.max(0, segment.offset);
    const to = segment.offset + segment.capturedLength;
    const payload = frames[segment.frameIndex].bytes.subarray(segment.payloadStart + (from - segment.offset), segment.payloadStart + segment.capturedLength);
    if (from > end || end === start) {
      close();
      start = end = from;
      buffer = Buffer.alloc(Math.max(256, to - from));
    }
    const overlap = Math.min(to, end) - from;
    // (A one-byte segment inside sent data is a keep-alive probe with a filler byte, RFC 9293 §3.8.4.)
    if (overlap > 0 && segment.capturedLength > 1 && !buffer.subarray(from - start, from - start + overlap).equals(payload.subarray(0, overlap))) conflicts.push([from, from + overlap]);
    if (to <= end) continue;
    if (to - start > buffer.length) {
      const grown = Buffer.alloc(Math.max(buffer.length * 2, to - start));
      buffer.copy(grown, 0, 0, end - start);
      buffer = grown;
    }
    buffer.set(payload.subarray(end - from), end - start);
    end = to;
  }
  close();
  return { runs, conflicts };
}

interface PlannedRange {
  direction: StreamDirection;
  field: RedactedField;
  start: number;
  end: number;
  copy: boolean;
}

class RedactionPlan {
  readonly ranges: PlannedRange[] = [];
  /** The password values found (to search for copies, and to verify). */
  readonly passwords: Buffer[] = [];

  add(range: PlannedRange): void {
    const same = this.ranges.some((r) => r.direction === range.direction && r.start <= range.start && r.end >= range.end);
    if (!same) this.ranges.push(range);
  }
}

const redactedNames: Partial<Record<ConnectFieldName, RedactedField>> = { password: "password", username: "username", clientId: "clientId" };

/** Find the CONNECTs at the start of a direction and plan their fields' ranges. */
function planConnects(direction: StreamDirection, { runs, conflicts }: Reassembled, frames: Frame[], mqttPorts: Set<number>, identities: boolean, filler: number, plan: RedactionPlan, report: RedactionReport): void {
  if (direction.segments.length === 0) return;
  const byPort = mqttPorts.has(direction.dstPort);
  const firstFrame = frames[direction.segments.reduce((lowest, s) => Math.min(lowest, s.frameIndex), Number.MAX_SAFE_INTEGER)].frame;
  const fail = (reason: string, frame = firstFrame) => report.notRedacted.push({ frame, stream: direction.stream, field: "password", reason });
  // Walk the MQTT packets of the first run: the first must be a CONNECT; a later one is read too (a client may repeat it).
  let first = true;
  let head = runs[0]?.offset === 0 ? runs[0].bytes : undefined;
  let headOffset = 0;
  if (!head) {
    // On an MQTT port the stream begins with a CONNECT [MQTT-3.1.0-1]. Its first
    // bytes were lost: read on only if the first captured segment holds whole
    // MQTT packets, i.e. it is not the rest of that CONNECT.
    if (!byPort || direction.isn === undefined || direction.direction !== "client->server" || runs.length === 0) return;
    const run = runs[0];
    const segmentLength = direction.segments.reduce((longest, s) => (s.offset === run.offset ? Math.max(longest, s.capturedLength) : longest), 0);
    if (!wholePackets(run.bytes, segmentLength)) {
      fail("the first bytes of the stream were not captured, so its CONNECT cannot be located", frameAt(direction, frames, run.offset));
      return;
    }
    head = run.bytes;
    headOffset = run.offset;
    first = false;
  }
  let at = 0;
  while (at < head.length) {
    const location = locateConnectFields(head.subarray(at), first ? (byPort ? "port" : "heuristic") : "port");
    if (location.status === "not-connect") {
      if (first) return;
      const next = packetLength(head, at);
      if (next === undefined) return;
      at += next;
      continue;
    }
    first = false;
    const packetEnd = location.status === "incomplete" ? undefined : at + location.packetEnd;
    // Segments that disagree about the CONNECT's bytes may lay its fields out otherwise.
    const connectStart = headOffset + at;
    const connectEnd = headOffset + (packetEnd ?? head.length);
    if (conflicts.some(([a, b]) => a < connectEnd && b > connectStart)) fail("segments carrying the CONNECT disagree about its bytes", frameAt(direction, frames, connectStart) ?? firstFrame);
    for (const field of location.fields) {
      const name = redactedNames[field.name];
      if (!name || (name !== "password" && !identities) || field.end === field.start) continue;
      const start = headOffset + at + field.start;
      const end = headOffset + at + field.end;
      const missing = uncoveredBytes(direction, start, end);
      if (missing) {
        fail(`bytes ${missing[0] - start}–${missing[1] - start} of the ${name} (${end - start} bytes) were not captured: a lost segment or an IP fragment may still carry them`, frameAt(direction, frames, start) ?? firstFrame);
      }
      plan.add({ direction, field: name, start, end, copy: false });
      if (name === "password" && end <= headOffset + head.length) {
        const value = Buffer.from(head.subarray(start - headOffset, end - headOffset));
        if (value.every((b) => b === filler)) fail(`the password is made of the filler character '${String.fromCharCode(filler)}': choose another filler`, frameAt(direction, frames, start));
        plan.passwords.push(value);
      }
    }
    if (location.status === "malformed") {
      fail(`a CONNECT could not be read to its end: ${location.reason}`, frameAt(direction, frames, headOffset + at) ?? firstFrame);
      return;
    }
    if (location.status === "incomplete") {
      // Nothing more of it may be in the file, unless the snapshot length alone explains the missing bytes.
      const stoppedAt = headOffset + at + location.stoppedAt;
      const rest = location.packetEnd !== undefined ? headOffset + at + location.packetEnd : Number.POSITIVE_INFINITY;
      const laterBytes = direction.segments.some((s) => s.offset + s.capturedLength > stoppedAt && s.offset < rest);
      if (laterBytes || !cutAt(direction, stoppedAt)) fail(`a CONNECT stops at byte ${stoppedAt} of the stream, before its fields could be read`, frameAt(direction, frames, headOffset + at) ?? firstFrame);
      return;
    }
    at = packetEnd!;
  }
}

/** Do the first `length` bytes hold whole MQTT packets (types 1–15), ending exactly there? */
function wholePackets(bytes: Uint8Array, length: number): boolean {
  let at = 0;
  while (at < length) {
    const next = bytes[at] >> 4 === 0 ? undefined : packetLength(bytes, at);
    if (next === undefined) return false;
    at += next;
  }
  return at === length && length > 0;
}

/** Length of the MQTT packet at `at` (fixed header included), if its header is there. */
function packetLength(bytes: Uint8Array, at: number): number | undefined {
  const total = readFixedHeader(bytes, at, bytes.length, headerLength);
  return total >= 0 ? total : undefined;
}

/** readFixedHeader's out-parameter (the header length, not needed here). */
const headerLength = new Int32Array(1);

/** The first stretch of [start, end) that no segment accounts for (captured, or cut by the snapshot length). */
function uncoveredBytes(direction: StreamDirection, start: number, end: number): [number, number] | undefined {
  const covered = direction.segments
    .map((s) => [s.offset, s.offset + (s.cutBySnapLength ? s.wireLength : s.capturedLength)] as const)
    .filter(([a, b]) => b > start && a < end)
    .sort((a, b) => a[0] - b[0]);
  let at = start;
  for (const [a, b] of covered) {
    if (a > at) break;
    at = Math.max(at, b);
  }
  return at >= end ? undefined : [at, Math.min(end, covered.find(([a]) => a > at)?.[0] ?? end)];
}

/** Is `offset` just past the captured bytes of a frame cut by the snapshot length? */
function cutAt(direction: StreamDirection, offset: number): boolean {
  return direction.segments.some((s) => s.cutBySnapLength && s.offset + s.capturedLength === offset);
}

/** The first frame (in file order) that captured the byte at `offset`. */
function frameAt(direction: StreamDirection, frames: Frame[], offset: number): number | undefined {
  const carriers = direction.segments.filter((s) => s.offset <= offset && s.offset + s.capturedLength > offset);
  return carriers.length > 0 ? frames[carriers.reduce((lowest, s) => Math.min(lowest, s.frameIndex), Number.MAX_SAFE_INTEGER)].frame : undefined;
}

/** A password repeated elsewhere in any TCP stream (a PUBLISH echoing it) is overwritten too. */
function planRepeatedPasswords(direction: StreamDirection, runs: readonly Run[], passwords: Buffer[], plan: RedactionPlan): void {
  if (passwords.length === 0 || direction.segments.length === 0) return;
  for (const run of runs) {
    for (const password of passwords) {
      for (let at = run.bytes.indexOf(password); at >= 0; at = run.bytes.indexOf(password, at + 1)) {
        const start = run.offset + at;
        plan.add({ direction, field: "password", start, end: start + password.length, copy: true });
      }
    }
  }
}

// 4. Fail closed ----------------------------------------------------------------------

async function verify(encoded: Buffer, frames: Frame[], directions: StreamDirection[], passwords: Buffer[], filler: number, options: RedactOptions, report: RedactionReport): Promise<void> {
  // No frame may still hold a password's bytes, whole in one frame or across a stream's segments.
  const streamOf = new Map<number, number>();
  for (const d of directions) for (const s of d.segments) streamOf.set(s.frameIndex, d.stream);
  if (passwords.length > 0) {
    frames.forEach((frame, index) => {
      const bytes = Buffer.from(frame.bytes.buffer, frame.bytes.byteOffset, frame.bytes.length);
      if (passwords.some((p) => bytes.includes(p))) {
        report.notRedacted.push({ frame: frame.frame, stream: streamOf.get(index) ?? -1, field: "password", reason: "a copy of a password remains in this frame's bytes" });
      }
    });
    for (const direction of directions) {
      for (const run of reassemble(direction, frames).runs) {
        for (const password of passwords) {
          const at = run.bytes.indexOf(password);
          if (at >= 0) report.notRedacted.push({ frame: frameAt(direction, frames, run.offset + at) ?? -1, stream: direction.stream, field: "password", reason: "a copy of a password remains in the stream" });
        }
      }
    }
  }
  // And the analysis of the copy must find no CONNECT that still shows a password.
  const masked = new RegExp(`^[${String.fromCharCode(filler).replace(/[\\\]^-]/g, "\\$&")}]*$`);
  const analysis = await analyzeCapture(encoded, { packets: false, mqttPorts: options.mqttPorts, tlsPorts: options.tlsPorts });
  for (const message of analysis.messages) {
    if (message.type === "CONNECT" && message.password !== undefined && !masked.test(message.password) && !report.notRedacted.some((r) => r.stream === message.stream)) {
      report.notRedacted.push({ frame: message.frame, stream: message.stream, field: "password", reason: "the analysis of the copy still decodes this CONNECT's password: it was not located" });
    }
  }
}

async function collect(stream: NodeJS.ReadableStream | AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** RFC 1071 one's-complement sum, over the concatenation of `parts`. */
function internetChecksum(parts: Buffer[]): number {
  let sum = 0;
  let odd = -1;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      if (odd < 0) odd = part[i];
      else {
        sum += (odd << 8) | part[i];
        odd = -1;
      }
    }
  }
  if (odd >= 0) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
