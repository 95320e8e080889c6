/**
 * Writing frames back to a capture file, in the format they came from:
 * classic pcap (µs or ns resolution, one link type) or pcapng (one Section
 * Header Block, an Interface Description Block per interface, Enhanced Packet
 * Blocks). Used to save a redacted copy of a capture for sharing.
 * Always little-endian, which every reader accepts.
 */
import type { CaptureInfo, Frame } from "./frame";

export type WritableFrame = Pick<Frame, "seconds" | "nanos" | "originalLength" | "bytes" | "interfaceId">;

export function encodePcap(info: CaptureInfo, frames: Iterable<WritableFrame>): Buffer {
  const nanosecond = info.timestampPrecision === "nanoseconds";
  const iface = info.interfaces[0];
  const header = Buffer.alloc(24);
  header.writeUInt32LE(nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(iface?.snapLength || 262144, 16);
  header.writeUInt32LE(iface?.linkType ?? 1, 20);
  const parts: Buffer[] = [header];
  for (const frame of frames) {
    const record = Buffer.alloc(16);
    record.writeUInt32LE(frame.seconds >>> 0, 0);
    record.writeUInt32LE(nanosecond ? frame.nanos : Math.floor(frame.nanos / 1000), 4);
    record.writeUInt32LE(frame.bytes.length, 8);
    record.writeUInt32LE(frame.originalLength, 12);
    parts.push(record, Buffer.from(frame.bytes.buffer, frame.bytes.byteOffset, frame.bytes.byteLength));
  }
  return Buffer.concat(parts);
}

function block(type: number, body: Buffer): Buffer {
  const padding = (4 - (body.length % 4)) % 4;
  const total = 12 + body.length + padding;
  const out = Buffer.alloc(total);
  out.writeUInt32LE(type, 0);
  out.writeUInt32LE(total, 4);
  body.copy(out, 8);
  out.writeUInt32LE(total, total - 4);
  return out;
}

function option(code: number, value: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(code, 0);
  head.writeUInt16LE(value.length, 2);
  return Buffer.concat([head, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
}

export function encodePcapng(info: CaptureInfo, frames: Iterable<WritableFrame>, application = "iot-wire-lab"): Buffer {
  const parts: Buffer[] = [];
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeUInt16LE(0, 6);
  shb.writeBigInt64LE(-1n, 8); // section length not specified (§4.1)
  parts.push(block(0x0a0d0d0a, Buffer.concat([shb, option(4, Buffer.from(application)), Buffer.alloc(4)])));
  const interfaces = info.interfaces.length > 0 ? info.interfaces : [{ id: 0, linkType: 1, linkTypeName: "Ethernet", snapLength: 262144, timestampUnitsPerSecond: 1e6 }];
  for (const iface of interfaces) {
    const idb = Buffer.alloc(8);
    idb.writeUInt16LE(iface.linkType, 0);
    idb.writeUInt32LE(iface.snapLength, 4);
    const options = [option(9, Buffer.from([9]))]; // if_tsresol: nanoseconds keeps every timestamp exact
    if (iface.name) options.push(option(2, Buffer.from(iface.name)));
    parts.push(block(1, Buffer.concat([idb, ...options, Buffer.alloc(4)])));
  }
  for (const frame of frames) {
    const epb = Buffer.alloc(20);
    const units = BigInt(frame.seconds) * 1_000_000_000n + BigInt(frame.nanos);
    epb.writeUInt32LE(frame.interfaceId, 0);
    epb.writeUInt32LE(Number(units >> 32n), 4);
    epb.writeUInt32LE(Number(units & 0xffffffffn), 8);
    epb.writeUInt32LE(frame.bytes.length, 12);
    epb.writeUInt32LE(frame.originalLength, 16);
    parts.push(block(6, Buffer.concat([epb, Buffer.from(frame.bytes.buffer, frame.bytes.byteOffset, frame.bytes.byteLength)])));
  }
  return Buffer.concat(parts);
}
