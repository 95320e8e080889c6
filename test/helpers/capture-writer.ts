/**
 * Writers for classic pcap and pcapng, used only by tests to re-encode frames
 * from real captures in other byte orders, resolutions, link types and block
 * kinds, so the readers are checked against formats our tools do not write.
 */
export interface WrittenFrame {
  seconds: number;
  nanos: number;
  bytes: Uint8Array;
  originalLength: number;
  linkType?: number;
  interfaceId?: number;
}

export function writePcap(frames: WrittenFrame[], options: { littleEndian: boolean; nanosecond: boolean; linkType: number; snapLength?: number }): Uint8Array {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(24);
  const u32 = (b: Buffer, v: number, o: number) => (options.littleEndian ? b.writeUInt32LE(v >>> 0, o) : b.writeUInt32BE(v >>> 0, o));
  const u16 = (b: Buffer, v: number, o: number) => (options.littleEndian ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  u32(header, options.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  u16(header, 2, 4);
  u16(header, 4, 6);
  u32(header, options.snapLength ?? 262144, 16);
  u32(header, options.linkType, 20);
  parts.push(header);
  for (const frame of frames) {
    const record = Buffer.alloc(16);
    u32(record, frame.seconds, 0);
    u32(record, options.nanosecond ? frame.nanos : Math.floor(frame.nanos / 1000), 4);
    u32(record, frame.bytes.length, 8);
    u32(record, frame.originalLength, 12);
    parts.push(record, Buffer.from(frame.bytes));
  }
  return Buffer.concat(parts);
}

export interface PcapngInterface {
  linkType: number;
  snapLength?: number;
  /** if_tsresol exponent: 6 = µs (default), 9 = ns; with `binary`, 2^-n. */
  tsresol?: number;
  binary?: boolean;
  name?: string;
}

export function writePcapng(interfaces: PcapngInterface[], frames: WrittenFrame[], options: { littleEndian: boolean; simplePackets?: boolean; extraBlocks?: boolean }): Uint8Array {
  const le = options.littleEndian;
  const parts: Buffer[] = [];
  const block = (type: number, body: Buffer) => {
    const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
    const total = padded.length + 12;
    const head = Buffer.alloc(8);
    const tail = Buffer.alloc(4);
    if (le) {
      head.writeUInt32LE(type, 0);
      head.writeUInt32LE(total, 4);
      tail.writeUInt32LE(total, 0);
    } else {
      head.writeUInt32BE(type, 0);
      head.writeUInt32BE(total, 4);
      tail.writeUInt32BE(total, 0);
    }
    parts.push(head, padded, tail);
  };
  const u16 = (v: number) => {
    const b = Buffer.alloc(2);
    if (le) b.writeUInt16LE(v, 0);
    else b.writeUInt16BE(v, 0);
    return b;
  };
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    if (le) b.writeUInt32LE(v >>> 0, 0);
    else b.writeUInt32BE(v >>> 0, 0);
    return b;
  };
  const option = (code: number, value: Buffer) => Buffer.concat([u16(code), u16(value.length), value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
  // Section Header Block with shb_userappl.
  block(0x0a0d0d0a, Buffer.concat([u32(0x1a2b3c4d), u16(1), u16(0), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), option(4, Buffer.from("iot-wire-lab tests")), u32(0)]));
  for (const iface of interfaces) {
    const options: Buffer[] = [];
    if (iface.name) options.push(option(2, Buffer.from(iface.name)));
    if (iface.tsresol !== undefined) options.push(option(9, Buffer.from([(iface.binary ? 0x80 : 0) | iface.tsresol])));
    options.push(u32(0));
    block(1, Buffer.concat([u16(iface.linkType), u16(0), u32(iface.snapLength ?? 262144), ...options]));
  }
  if (options.extraBlocks) {
    // Name Resolution Block with one IPv4 record, then a custom block: both must be skipped.
    block(4, Buffer.concat([u16(1), u16(8), Buffer.from([127, 0, 0, 1]), Buffer.from("lo\0\0"), u16(0), u16(0)]));
    block(0x00000bad, Buffer.concat([u32(32473), Buffer.from("private data")]));
  }
  for (const frame of frames) {
    const iface = interfaces[frame.interfaceId ?? 0];
    if (options.simplePackets) {
      block(3, Buffer.concat([u32(frame.originalLength), Buffer.from(frame.bytes)]));
      continue;
    }
    const unitsPerSecond = iface.binary ? 2 ** (iface.tsresol ?? 6) : 10 ** (iface.tsresol ?? 6);
    const units = BigInt(frame.seconds) * BigInt(unitsPerSecond) + (BigInt(frame.nanos) * BigInt(unitsPerSecond)) / 1_000_000_000n;
    block(6, Buffer.concat([u32(frame.interfaceId ?? 0), u32(Number(units >> 32n)), u32(Number(units & 0xffffffffn)), u32(frame.bytes.length), u32(frame.originalLength), Buffer.from(frame.bytes)]));
    if (options.extraBlocks && frame === frames[0]) {
      // An Interface Statistics Block between packets.
      block(5, Buffer.concat([u32(0), u32(0), u32(0), u32(0)]));
    }
  }
  return Buffer.concat(parts);
}
