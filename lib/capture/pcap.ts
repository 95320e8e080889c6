/**
 * Classic libpcap files, read through pcap-parser.
 *
 * File layout (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-03.html):
 *   global header (24 bytes): magic, version 2.4, thiszone, sigfigs, snaplen, linktype
 *   then records: ts_sec, ts_frac, caplen, len (16 bytes), then caplen bytes.
 *
 * How we use pcap-parser: it listens to a stream's `data` events and parses
 * synchronously inside each one. We hand it a tiny event source of our own and
 * emit chunks into it ourselves, so parsing runs in our read loop with natural
 * back-pressure and no Node stream machinery in between.
 *
 * pcap-parser only knows the microsecond magic (a1b2c3d4, in either byte
 * order). For nanosecond files (a1b23c4d, `tcpdump --time-stamp-precision=nano`)
 * we give it a copy of the global header with the microsecond magic and read
 * its "microseconds" field as nanoseconds: the layout is otherwise identical.
 */
import { EventEmitter } from "node:events";
import * as pcapParser from "pcap-parser";
import type { PcapGlobalHeader, PcapPacket, PcapPacketHeader } from "pcap-parser";
import { makeIssue, type Issue } from "../expert/issues";
import { emptyRecordRunMessage, linkTypeName, MAX_EMPTY_RECORD_RUN, type CaptureInfo, type Frame } from "./frame";
import type { FrameSink, FormatReader } from "./sink";

export const PCAP_GLOBAL_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;

/** Wireshark's limit for an ordinary packet (WTAP_MAX_PACKET_SIZE_STANDARD). */
export const MAX_RECORD_LENGTH = 262144;

/** Magic numbers as read big-endian from the first four bytes. */
export const PcapMagic = {
  microsecondsBigEndian: 0xa1b2c3d4,
  microsecondsLittleEndian: 0xd4c3b2a1,
  nanosecondsBigEndian: 0xa1b23c4d,
  nanosecondsLittleEndian: 0x4d3cb2a1,
} as const;

/** The event source pcap-parser reads from; we emit `data` into it by hand. */
class ChunkFeed extends EventEmitter {
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
}

export class PcapReader implements FormatReader {
  info: CaptureInfo | undefined;
  stopped = false;
  private readonly feed = new ChunkFeed();
  private readonly parser: pcapParser.Parser;
  private readonly sink: FrameSink;
  private nanosecondFile = false;
  private linkType = 0;
  private frameNumber = 0;
  /** Records in a row with no captured bytes (see MAX_EMPTY_RECORD_RUN). */
  private emptyRecordRun = 0;
  private bytesPushed = 0;
  private bytesConsumed = 0;
  private started = false;

  /** One Frame reused for every record, when the sink allows it. */
  private readonly reusable: Frame | undefined;

  constructor(sink: FrameSink) {
    this.sink = sink;
    this.reusable = sink.transientFrames ? { frame: 0, time: 0, seconds: 0, nanos: 0, capturedLength: 0, originalLength: 0, linkType: 0, interfaceId: 0, bytes: new Uint8Array(0) } : undefined;
    this.parser = pcapParser.parse(this.feed);
    this.parser.on("globalHeader", (header: PcapGlobalHeader) => this.onGlobalHeader(header));
    this.parser.on("packetHeader", (header: PcapPacketHeader) => this.onRecordHeader(header));
    this.parser.on("packet", (packet: PcapPacket) => this.onPacket(packet));
    // pcap-parser re-emits stream errors; an EventEmitter without an error
    // listener would throw. Our feed never errors, and we check the magic first.
    this.parser.on("error", (error: Error) => this.fail(makeIssue("file.read_error", 0, `pcap-parser: ${error.message}`)));
  }

  push(chunk: Uint8Array): void {
    if (this.stopped || chunk.length === 0) return;
    this.bytesPushed += chunk.length;
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!this.started) {
      this.started = true;
      const magic = data.readUInt32BE(0);
      if (magic === PcapMagic.nanosecondsBigEndian || magic === PcapMagic.nanosecondsLittleEndian) {
        // Never write into the caller's bytes: patch a copy of the magic only.
        this.nanosecondFile = true;
        const patched = Buffer.from(data.subarray(0, 4));
        patched.writeUInt32BE(magic === PcapMagic.nanosecondsBigEndian ? PcapMagic.microsecondsBigEndian : PcapMagic.microsecondsLittleEndian, 0);
        this.feed.emit("data", patched);
        data = data.subarray(4);
        if (data.length === 0) return;
      }
    }
    this.feed.emit("data", data);
  }

  end(): void {
    if (this.stopped) return;
    const left = this.bytesPushed - this.bytesConsumed;
    if (!this.info) {
      this.fail(makeIssue("file.truncated", 0, `The file ends inside the pcap global header (${this.bytesPushed} of 24 bytes)`));
      return;
    }
    if (left > 0) {
      this.sink.issue(
        makeIssue("file.truncated", 0, `The capture file ends in the middle of a packet record: ${left} byte(s) after frame ${this.frameNumber} are incomplete and were not read`),
      );
    }
    this.feed.emit("end");
  }

  private fail(issue: Issue): void {
    this.stopped = true;
    this.parser.errored = true;
    this.sink.issue(issue);
  }

  private onGlobalHeader(header: PcapGlobalHeader): void {
    this.bytesConsumed = PCAP_GLOBAL_HEADER_LENGTH;
    // The link-layer field's upper bits carry FCS information; the type is the low 16.
    this.linkType = header.linkLayerType & 0xffff;
    const littleEndian = this.parserIsLittleEndian();
    this.info = {
      format: "pcap",
      byteOrder: littleEndian ? "little-endian" : "big-endian",
      timestampPrecision: this.nanosecondFile ? "nanoseconds" : "microseconds",
      version: `${header.majorVersion}.${header.minorVersion}`,
      interfaces: [
        {
          id: 0,
          linkType: this.linkType,
          linkTypeName: linkTypeName(this.linkType),
          snapLength: header.snapshotLength,
          timestampUnitsPerSecond: this.nanosecondFile ? 1e9 : 1e6,
        },
      ],
    };
    this.sink.info(this.info);
  }

  private parserIsLittleEndian(): boolean {
    return (this.parser as unknown as { endianness?: string }).endianness === "LE";
  }

  private onRecordHeader(header: PcapPacketHeader): void {
    if (header.capturedLength > MAX_RECORD_LENGTH) {
      this.fail(
        makeIssue(
          "file.record_too_large",
          0,
          `Record ${this.frameNumber + 1} claims ${header.capturedLength} captured bytes, more than the ${MAX_RECORD_LENGTH}-byte maximum; the file is damaged from here on and the rest was not read`,
        ),
      );
    }
  }

  private onPacket(packet: PcapPacket): void {
    if (this.stopped) return;
    const header = packet.header;
    if (header.capturedLength > 0) this.emptyRecordRun = 0;
    else if (++this.emptyRecordRun >= MAX_EMPTY_RECORD_RUN) {
      this.fail(makeIssue("file.empty_records", 0, emptyRecordRunMessage(this.frameNumber + 1)));
      return;
    }
    this.bytesConsumed += PCAP_RECORD_HEADER_LENGTH + header.capturedLength;
    const frameNumber = ++this.frameNumber;
    const seconds = header.timestampSeconds;
    const nanos = this.nanosecondFile ? header.timestampMicroseconds : header.timestampMicroseconds * 1000;
    if (this.reusable) {
      const frame = this.reusable;
      frame.frame = frameNumber;
      frame.time = seconds + nanos / 1e9;
      frame.seconds = seconds;
      frame.nanos = nanos;
      frame.capturedLength = header.capturedLength;
      frame.originalLength = header.originalLength;
      frame.linkType = this.linkType;
      frame.bytes = packet.data;
      this.sink.frame(frame);
      return;
    }
    this.sink.frame({
      frame: frameNumber,
      time: seconds + nanos / 1e9,
      seconds,
      nanos,
      capturedLength: header.capturedLength,
      originalLength: header.originalLength,
      linkType: this.linkType,
      interfaceId: 0,
      bytes: packet.data,
    });
  }
}
