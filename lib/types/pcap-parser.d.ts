// Type declarations for pcap-parser 0.2.1, which ships none.
declare module "pcap-parser" {
  import type { EventEmitter } from "node:events";

  export interface PcapGlobalHeader {
    magicNumber: number;
    majorVersion: number;
    minorVersion: number;
    gmtOffset: number;
    timestampAccuracy: number;
    snapshotLength: number;
    linkLayerType: number;
  }

  export interface PcapPacketHeader {
    timestampSeconds: number;
    /** Microseconds, or nanoseconds in a nanosecond-resolution file. */
    timestampMicroseconds: number;
    capturedLength: number;
    originalLength: number;
  }

  export interface PcapPacket {
    header: PcapPacketHeader;
    data: Buffer;
  }

  /** The object pcap-parser reads from: anything with on/pause/resume. */
  export interface PcapInput {
    on(event: string, listener: (...args: any[]) => void): unknown;
    pause(): unknown;
    resume(): unknown;
  }

  export interface Parser extends EventEmitter {
    /** Set by the parser after a fatal error; further data is ignored. */
    errored?: boolean;
  }

  export function parse(input: string | PcapInput | NodeJS.ReadableStream): Parser;
}
