/**
 * Builds Ethernet/IPv4/TCP frames for tests of TCP analysis edge cases that
 * real captures rarely contain (duplicate ACKs, window updates, keep-alives,
 * zero windows, reordering). Checksums are left zero, as on loopback.
 */
import { writePcap } from "./capture-writer";

export interface SegmentSpec {
  fromClient: boolean;
  seq: number;
  ack?: number;
  flags: string; // e.g. "S", "SA", "A", "PA", "FA", "R"
  window?: number;
  payload?: Uint8Array | string;
  /** Microseconds after the first frame. */
  at: number;
}

const CLIENT = [10, 0, 0, 1];
const SERVER = [10, 0, 0, 2];
const flagBits: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10 };

export function tcpFrame(spec: SegmentSpec, clientPort = 40000, serverPort = 1883): Uint8Array {
  const payload = typeof spec.payload === "string" ? Buffer.from(spec.payload, "latin1") : spec.payload ?? new Uint8Array(0);
  const frame = Buffer.alloc(14 + 20 + 20 + payload.length);
  frame.writeUInt16BE(0x0800, 12);
  const ip = 14;
  frame[ip] = 0x45;
  frame.writeUInt16BE(20 + 20 + payload.length, ip + 2);
  frame[ip + 8] = 64;
  frame[ip + 9] = 6;
  frame.set(spec.fromClient ? CLIENT : SERVER, ip + 12);
  frame.set(spec.fromClient ? SERVER : CLIENT, ip + 16);
  const tcp = ip + 20;
  frame.writeUInt16BE(spec.fromClient ? clientPort : serverPort, tcp);
  frame.writeUInt16BE(spec.fromClient ? serverPort : clientPort, tcp + 2);
  frame.writeUInt32BE(spec.seq >>> 0, tcp + 4);
  frame.writeUInt32BE((spec.ack ?? 0) >>> 0, tcp + 8);
  frame[tcp + 12] = 5 << 4;
  let flags = 0;
  for (const c of spec.flags) flags |= flagBits[c] ?? 0;
  frame[tcp + 13] = flags;
  frame.writeUInt16BE(spec.window ?? 1000, tcp + 14);
  frame.set(payload, tcp + 20);
  return frame;
}

/**
 * A classic little-endian µs pcap (Ethernet) of the segments, each at
 * 1700000000 s + its `at` µs. With `snapLength`, frames are cut to that many
 * bytes as `tcpdump -s N` does (the original length is kept).
 */
export function conversationPcap(segments: SegmentSpec[], clientPort = 40000, serverPort = 1883, snapLength?: number): Uint8Array {
  return writePcap(
    segments.map((s) => {
      const bytes = tcpFrame(s, clientPort, serverPort);
      return { seconds: 1700000000, nanos: s.at * 1000, bytes: snapLength === undefined ? bytes : bytes.subarray(0, snapLength), originalLength: bytes.length };
    }),
    { littleEndian: true, nanosecond: false, linkType: 1, snapLength },
  );
}
