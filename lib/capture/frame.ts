/**
 * A frame: one packet record read from a capture file, before any protocol is
 * decoded. `bytes` holds what was captured (possibly fewer bytes than were on
 * the wire, when the snapshot length cut it short).
 */
export interface Frame {
  /** Wireshark's frame number: 1-based, in file order. */
  frame: number;
  /** Seconds since the Unix epoch (as a float; microsecond-exact, nanoseconds rounded). */
  time: number;
  /** Whole seconds since the epoch. */
  seconds: number;
  /** Nanoseconds within that second (0–999,999,999), exact for µs and ns captures. */
  nanos: number;
  /** Bytes captured (== bytes.length). */
  capturedLength: number;
  /** Bytes on the wire. */
  originalLength: number;
  /** LINKTYPE_* of the interface the packet was captured on. */
  linkType: number;
  /** pcapng interface id (0 for classic pcap). */
  interfaceId: number;
  /** The captured bytes, a view into the reader's buffer (never copied). */
  bytes: Uint8Array;
  /** Work done ahead on the reader thread, when the read asked for it (see annotations.ts). */
  annotations?: FrameAnnotations;
}

/** One batch's annotations from the reader thread (see annotations.ts), on the main thread. */
export interface FrameAnnotationBatch {
  /** The module that made them (FrameAnnotatorSpec.module). */
  readonly module: string;
  readonly arrays: Int32Array[];
  readonly strings: string[];
}

/** What a delivered frame carries: its batch's annotations and its position in that batch. */
export interface FrameAnnotations {
  batch: FrameAnnotationBatch;
  /** 0-based position of the frame in its batch, in the order the annotator saw the frames. */
  index: number;
}

/**
 * Records with no captured bytes in a row after which a reader stops (with
 * file.empty_records). No capture tool writes even one such record for a
 * packet; a run of them is a crafted file, and, compressed, the cheapest way
 * to make a small file cost hours (a 1 MB gzip holds 67 million of them).
 */
export const MAX_EMPTY_RECORD_RUN = 10_000;

/** The issue message for a run of MAX_EMPTY_RECORD_RUN empty records ending at `frameNumber`. */
export function emptyRecordRunMessage(frameNumber: number): string {
  return `Records ${frameNumber - MAX_EMPTY_RECORD_RUN + 1} to ${frameNumber} have no captured bytes, which no capture tool writes: the file was crafted or is damaged, and the rest of it was not read`;
}

/** What we learned about the capture file itself. */
export interface CaptureInfo {
  format: "pcap" | "pcapng";
  /** Byte order the file was written in. */
  byteOrder: "little-endian" | "big-endian";
  /** Timestamp resolution of the file (for pcapng, of the first interface). */
  timestampPrecision: "microseconds" | "nanoseconds" | "other";
  /** pcap: version 2.4; pcapng: section version 1.0. */
  version: string;
  /** Interfaces (pcap has exactly one). */
  interfaces: CaptureInterface[];
  /** Set when the file was gzip-compressed and decompressed on the fly. */
  compressed?: "gzip";
  /** pcapng Section Header options, when present. */
  application?: string;
  os?: string;
  hardware?: string;
}

export interface CaptureInterface {
  id: number;
  linkType: number;
  linkTypeName: string;
  snapLength: number;
  name?: string;
  description?: string;
  /** Units per second of this interface's timestamps (1e6 by default). */
  timestampUnitsPerSecond: number;
}

/** LINKTYPE_* values we decode, with Wireshark's names. */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
  LOOP: 108,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export const linkTypeNames: Readonly<Record<number, string>> = {
  0: "NULL (BSD loopback)",
  1: "Ethernet",
  101: "Raw IP",
  108: "OpenBSD loopback",
  113: "Linux cooked capture v1",
  228: "Raw IPv4",
  229: "Raw IPv6",
  276: "Linux cooked capture v2",
};

export function linkTypeName(linkType: number): string {
  return linkTypeNames[linkType] ?? `LINKTYPE ${linkType}`;
}

/**
 * Split a timestamp given as integer `units` (units per second `unitsPerSecond`)
 * into whole seconds and nanoseconds without losing precision, even when the
 * count is above 2^53 (nanosecond pcapng timestamps are ~1.7e18).
 * The 64-bit count arrives as two 32-bit halves.
 */
export function splitTimestamp(high: number, low: number, unitsPerSecond: number, out: { seconds: number; nanos: number }): void {
  let seconds: number;
  let remainder: number;
  if (high < 0x200000) {
    // Below 2^53: a double holds the count exactly.
    const count = high * 4294967296 + low;
    seconds = Math.floor(count / unitsPerSecond);
    remainder = count - seconds * unitsPerSecond;
  } else {
    // Long division in base 2^16: every intermediate stays below 2^53.
    const digits = [high >>> 16, high & 0xffff, low >>> 16, low & 0xffff];
    let quotient = 0;
    remainder = 0;
    for (const digit of digits) {
      const current = remainder * 65536 + digit;
      const q = Math.floor(current / unitsPerSecond);
      remainder = current - q * unitsPerSecond;
      quotient = quotient * 65536 + q;
    }
    seconds = quotient;
  }
  out.seconds = seconds;
  out.nanos = unitsPerSecond === 1e9 ? remainder : unitsPerSecond === 1e6 ? remainder * 1000 : Math.round((remainder * 1e9) / unitsPerSecond);
}
