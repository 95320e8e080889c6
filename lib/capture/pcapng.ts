/**
 * pcapng, read by our own streaming block reader (pcap-parser cannot read it).
 *
 * Spec: draft-ietf-opsawg-pcapng (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html).
 * Every block is: type (4) · total length (4) · body · total length again (4),
 * with the total a multiple of 4 (§3.1). A Section Header Block starts each
 * section and fixes its byte order through the magic 0x1A2B3C4D (§4.1);
 * Interface Description Blocks declare link type, snapshot length and
 * timestamp resolution per interface (§4.2); packets arrive in Enhanced (§4.3),
 * Simple (§4.4) or the obsolete Packet Blocks (Appendix A). Decryption
 * Secrets Blocks (§4.7) are handed to the sink's `secrets` as they come.
 * Everything else (name resolution, statistics, custom blocks) is skipped.
 */
import { makeIssue, type Issue } from "../expert/issues";
import { emptyRecordRunMessage, linkTypeName, MAX_EMPTY_RECORD_RUN, splitTimestamp, type CaptureInfo, type CaptureInterface, type Frame } from "./frame";
import type { FrameSink, FormatReader } from "./sink";
import { MAX_RECORD_LENGTH } from "./pcap";

export const BlockType = {
  sectionHeader: 0x0a0d0d0a,
  interfaceDescription: 0x00000001,
  packetObsolete: 0x00000002,
  simplePacket: 0x00000003,
  nameResolution: 0x00000004,
  interfaceStatistics: 0x00000005,
  enhancedPacket: 0x00000006,
  systemdJournal: 0x00000009,
  decryptionSecrets: 0x0000000a,
  customCopyable: 0x00000bad,
  customNoCopy: 0x40000bad,
} as const;

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** Blocks larger than this are treated as damage rather than buffered. */
const MAX_BLOCK_LENGTH = 16 * 1024 * 1024;

/** Option codes (§3.5, §4.1, §4.2). */
const Option = {
  endOfOptions: 0,
  comment: 1,
  shbHardware: 2,
  shbOs: 3,
  shbUserApplication: 4,
  ifName: 2,
  ifDescription: 3,
  ifTimestampResolution: 9,
  ifTimestampOffset: 14,
} as const;

interface InterfaceState extends CaptureInterface {
  timestampOffsetSeconds: number;
}

export class PcapngReader implements FormatReader {
  info: CaptureInfo | undefined;
  stopped = false;
  private readonly sink: FrameSink;
  private buffer: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(this.buffer.buffer);
  private position = 0;
  private littleEndian = true;
  private interfaces: InterfaceState[] = [];
  private frameNumber = 0;
  /** Records in a row with no captured bytes (see MAX_EMPTY_RECORD_RUN). */
  private emptyRecordRun = 0;
  private sectionCount = 0;
  private readonly time = { seconds: 0, nanos: 0 };

  constructor(sink: FrameSink) {
    this.sink = sink;
  }

  push(chunk: Uint8Array): void {
    if (this.stopped || chunk.length === 0) return;
    const left = this.buffer.length - this.position;
    if (left === 0) {
      this.buffer = chunk;
    } else {
      // A block straddles two chunks: join only the unread tail with the new chunk.
      const joined = new Uint8Array(left + chunk.length);
      joined.set(this.buffer.subarray(this.position), 0);
      joined.set(chunk, left);
      this.buffer = joined;
    }
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
    this.position = 0;
    this.readBlocks();
  }

  end(): void {
    if (this.stopped) return;
    const left = this.buffer.length - this.position;
    if (!this.info) {
      this.fail(makeIssue("file.truncated", 0, "The file ends before its first Section Header Block is complete"));
    } else if (left > 0) {
      this.sink.issue(
        makeIssue("file.truncated", 0, `The capture file ends in the middle of a block: ${left} byte(s) after frame ${this.frameNumber} are incomplete and were not read`),
      );
    }
  }

  private fail(issue: Issue): void {
    this.stopped = true;
    this.sink.issue(issue);
  }

  private readBlocks(): void {
    const buffer = this.buffer;
    const view = this.view;
    while (!this.stopped) {
      const start = this.position;
      const available = buffer.length - start;
      if (available < 12) return;
      const type = view.getUint32(start, this.littleEndian);
      if (type === BlockType.sectionHeader) {
        // The SHB's own byte order decides how to read its length (§4.1).
        const magicLE = view.getUint32(start + 8, true);
        if (magicLE === BYTE_ORDER_MAGIC) this.littleEndian = true;
        else if (magicLE === 0x4d3c2b1a) this.littleEndian = false;
        else {
          this.fail(makeIssue("file.bad_block", 0, `Section Header Block at byte ${start} has an invalid byte-order magic 0x${magicLE.toString(16)}`));
          return;
        }
      }
      const length = view.getUint32(start + 4, this.littleEndian);
      if (length < 12 || length % 4 !== 0 || length > MAX_BLOCK_LENGTH) {
        this.fail(
          makeIssue("file.bad_block", 0, `Block of type 0x${type.toString(16)} after frame ${this.frameNumber} has an impossible length ${length}; the file is damaged from here on`),
        );
        return;
      }
      if (available < length) return;
      const trailer = view.getUint32(start + length - 4, this.littleEndian);
      if (trailer !== length) {
        this.fail(
          makeIssue("file.bad_block", 0, `Block of type 0x${type.toString(16)} after frame ${this.frameNumber} ends with length ${trailer}, not ${length}; the file is damaged from here on`),
        );
        return;
      }
      this.position = start + length;
      switch (type) {
        case BlockType.enhancedPacket:
          this.readEnhancedPacket(start, length);
          break;
        case BlockType.simplePacket:
          this.readSimplePacket(start, length);
          break;
        case BlockType.interfaceDescription:
          this.readInterfaceDescription(start, length);
          break;
        case BlockType.sectionHeader:
          this.readSectionHeader(start, length);
          break;
        case BlockType.packetObsolete:
          this.readObsoletePacket(start, length);
          break;
        case BlockType.decryptionSecrets:
          this.readDecryptionSecrets(start, length);
          break;
        default:
          // NRB, ISB, DSB, systemd journal, custom and unknown blocks carry no
          // packets; skipping them is what the spec asks of readers (§3.1).
          break;
      }
    }
  }

  /** §4.7: Secrets Type (4) · Secrets Length (4) · secrets, padded to 32 bits · options. */
  private readDecryptionSecrets(start: number, length: number): void {
    if (!this.sink.secrets) return;
    const view = this.view;
    const secretsLength = length >= 20 ? view.getUint32(start + 12, this.littleEndian) : -1;
    if (secretsLength < 0 || 16 + secretsLength + 4 > length) {
      this.sink.issue(makeIssue("file.bad_block", 0, `Decryption Secrets Block after frame ${this.frameNumber} claims ${secretsLength} bytes of secrets in a ${length}-byte block; skipped`));
      return;
    }
    const type = view.getUint32(start + 8, this.littleEndian);
    this.sink.secrets(type, this.buffer.slice(start + 16, start + 16 + secretsLength));
  }

  private readSectionHeader(start: number, length: number): void {
    const view = this.view;
    if (length < 28) {
      this.fail(makeIssue("file.bad_block", 0, `Section Header Block of ${length} bytes is shorter than the 28-byte minimum`));
      return;
    }
    const major = view.getUint16(start + 12, this.littleEndian);
    const minor = view.getUint16(start + 14, this.littleEndian);
    this.sectionCount++;
    // Interfaces are numbered per section (§4.2).
    this.interfaces = [];
    const options = this.readOptions(start + 24, start + length - 4);
    if (this.sectionCount === 1) {
      this.info = {
        format: "pcapng",
        byteOrder: this.littleEndian ? "little-endian" : "big-endian",
        timestampPrecision: "microseconds",
        version: `${major}.${minor}`,
        interfaces: [],
      };
      const hardware = options.get(Option.shbHardware);
      const os = options.get(Option.shbOs);
      const application = options.get(Option.shbUserApplication);
      if (hardware) this.info.hardware = utf8(hardware);
      if (os) this.info.os = utf8(os);
      if (application) this.info.application = utf8(application);
      // Interfaces are added to this same object as their IDBs arrive.
      this.sink.info(this.info);
    }
  }

  private readInterfaceDescription(start: number, length: number): void {
    const view = this.view;
    if (length < 20) {
      this.fail(makeIssue("file.bad_block", 0, `Interface Description Block of ${length} bytes is shorter than the 20-byte minimum`));
      return;
    }
    const linkType = view.getUint16(start + 8, this.littleEndian);
    const snapLength = view.getUint32(start + 12, this.littleEndian);
    const options = this.readOptions(start + 16, start + length - 4);
    let unitsPerSecond = 1e6;
    const resolution = options.get(Option.ifTimestampResolution);
    if (resolution && resolution.length >= 1) {
      // §4.2 if_tsresol: MSB clear → 10^-n seconds; MSB set → 2^-n seconds.
      const exponent = resolution[0] & 0x7f;
      unitsPerSecond = resolution[0] & 0x80 ? 2 ** exponent : 10 ** exponent;
    }
    let timestampOffsetSeconds = 0;
    const offset = options.get(Option.ifTimestampOffset);
    if (offset && offset.length >= 8) {
      const offsetView = new DataView(offset.buffer, offset.byteOffset, 8);
      timestampOffsetSeconds = Number(offsetView.getBigInt64(0, this.littleEndian));
    }
    const id = this.interfaces.length;
    const state: InterfaceState = {
      id,
      linkType,
      linkTypeName: linkTypeName(linkType),
      snapLength,
      timestampUnitsPerSecond: unitsPerSecond,
      timestampOffsetSeconds,
    };
    const name = options.get(Option.ifName);
    const description = options.get(Option.ifDescription);
    if (name) state.name = utf8(name);
    if (description) state.description = utf8(description);
    this.interfaces.push(state);
    if (this.info && this.sectionCount === 1) {
      const { timestampOffsetSeconds: _omit, ...publicInterface } = state;
      this.info.interfaces.push(publicInterface);
      if (id === 0) this.info.timestampPrecision = unitsPerSecond === 1e9 ? "nanoseconds" : unitsPerSecond === 1e6 ? "microseconds" : "other";
    }
  }

  private readEnhancedPacket(start: number, length: number): void {
    const view = this.view;
    const little = this.littleEndian;
    if (length < 32) {
      this.fail(makeIssue("file.bad_block", 0, `Enhanced Packet Block of ${length} bytes is shorter than the 32-byte minimum`));
      return;
    }
    const interfaceId = view.getUint32(start + 8, little);
    const capturedLength = view.getUint32(start + 20, little);
    if (capturedLength > length - 32 || capturedLength > MAX_RECORD_LENGTH) {
      this.fail(makeIssue("file.bad_block", 0, `Enhanced Packet Block for frame ${this.frameNumber + 1} claims ${capturedLength} captured bytes in a ${length}-byte block`));
      return;
    }
    this.emitFrame(interfaceId, view.getUint32(start + 12, little), view.getUint32(start + 16, little), capturedLength, view.getUint32(start + 24, little), start + 28);
  }

  private readObsoletePacket(start: number, length: number): void {
    const view = this.view;
    const little = this.littleEndian;
    if (length < 32) {
      this.fail(makeIssue("file.bad_block", 0, `Packet Block of ${length} bytes is shorter than the 32-byte minimum`));
      return;
    }
    const interfaceId = view.getUint16(start + 8, little);
    const capturedLength = view.getUint32(start + 20, little);
    if (capturedLength > length - 32) {
      this.fail(makeIssue("file.bad_block", 0, `Packet Block for frame ${this.frameNumber + 1} claims ${capturedLength} captured bytes in a ${length}-byte block`));
      return;
    }
    this.emitFrame(interfaceId, view.getUint32(start + 12, little), view.getUint32(start + 16, little), capturedLength, view.getUint32(start + 24, little), start + 28);
  }

  private readSimplePacket(start: number, length: number): void {
    // §4.4: no timestamp and no interface id (always interface 0); the captured
    // length is the smaller of the original length, the snapshot length and
    // what fits in the block.
    const originalLength = this.view.getUint32(start + 8, this.littleEndian);
    const iface = this.interfaces[0];
    let capturedLength = Math.min(originalLength, length - 16);
    if (iface && iface.snapLength > 0) capturedLength = Math.min(capturedLength, iface.snapLength);
    this.emitFrame(0, 0, 0, capturedLength, originalLength, start + 12);
  }

  private emitFrame(interfaceId: number, tsHigh: number, tsLow: number, capturedLength: number, originalLength: number, dataStart: number): void {
    if (capturedLength > 0) this.emptyRecordRun = 0;
    else if (++this.emptyRecordRun >= MAX_EMPTY_RECORD_RUN) {
      this.fail(makeIssue("file.empty_records", 0, emptyRecordRunMessage(this.frameNumber + 1)));
      return;
    }
    const frameNumber = ++this.frameNumber;
    const iface = this.interfaces[interfaceId];
    if (!iface) {
      this.sink.issue(makeIssue("file.unknown_interface", frameNumber, `Frame ${frameNumber} names interface ${interfaceId}, but only ${this.interfaces.length} interface(s) were declared; its link type is unknown`));
    }
    const time = this.time;
    splitTimestamp(tsHigh, tsLow, iface ? iface.timestampUnitsPerSecond : 1e6, time);
    const seconds = time.seconds + (iface ? iface.timestampOffsetSeconds : 0);
    const frame: Frame = {
      frame: frameNumber,
      time: seconds + time.nanos / 1e9,
      seconds,
      nanos: time.nanos,
      capturedLength,
      originalLength,
      linkType: iface ? iface.linkType : -1,
      interfaceId,
      bytes: this.buffer.subarray(dataStart, dataStart + capturedLength),
    };
    this.sink.frame(frame);
  }

  /** Options (§3.5): code (2) · length (2) · value padded to 4 bytes. */
  private readOptions(start: number, end: number): Map<number, Uint8Array> {
    const options = new Map<number, Uint8Array>();
    let position = start;
    while (position + 4 <= end) {
      const code = this.view.getUint16(position, this.littleEndian);
      const length = this.view.getUint16(position + 2, this.littleEndian);
      if (code === Option.endOfOptions) break;
      const valueStart = position + 4;
      if (valueStart + length > end) break;
      if (!options.has(code)) options.set(code, this.buffer.subarray(valueStart, valueStart + length));
      position = valueStart + ((length + 3) & ~3);
    }
    return options;
  }
}

const decoder = new TextDecoder();
function utf8(bytes: Uint8Array): string {
  return decoder.decode(bytes).replace(/\0+$/, "");
}
