/**
 * The platform's packet size limit, enforced from each packet's fixed header
 * (MQTT 3.1.1 §2.2, MQTT 5 §2.1.1): the type byte, then the Remaining Length,
 * a variable byte integer of one to four bytes (§2.2.3). The bodies are
 * counted past, never kept, so a packet that declares 268,435,455 bytes is
 * refused after five bytes instead of being buffered while it arrives.
 *
 * The size compared is the whole packet, fixed header included: what MQTT 5's
 * Maximum Packet Size property measures (§3.1.2.11.4, §3.2.2.3.6). The
 * header is read by the capture framer's readFixedHeader (mqtt/framer.ts).
 */
import { HEADER_INVALID, readFixedHeader } from "../mqtt/framer";

/** 256 KiB: the Alibaba Cloud IoT Platform's documented limit for one message. */
export const DEFAULT_MAX_PACKET_SIZE = 256 * 1024;

/** Follows the packet boundaries of one direction of an MQTT stream. */
export class PacketSizeWatch {
  readonly limit: number;
  /** Body bytes of the current packet not yet seen. */
  private bodyLeft = 0;
  /** The fixed header being read: its type byte and Remaining Length bytes so far (at most 1 + 4). */
  private readonly header = new Uint8Array(5);
  private headerLength = 0;
  private readonly headerOut = new Int32Array(1);
  /** A Remaining Length of more than four bytes: the parser refuses the stream, nothing left to measure. */
  private lost = false;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** The declared size of the first packet in `chunk` that is over the limit, or undefined. */
  feed(chunk: Uint8Array): number | undefined {
    let i = 0;
    while (i < chunk.length && !this.lost) {
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= n;
        i += n;
        continue;
      }
      this.header[this.headerLength++] = chunk[i++]!;
      if (this.headerLength === 1) continue;
      const total = readFixedHeader(this.header, 0, this.headerLength, this.headerOut);
      if (total < 0) {
        // [MQTT-1.5.5-1]: at most four Remaining Length bytes; otherwise more header bytes are due
        if (total === HEADER_INVALID) this.lost = true;
        continue;
      }
      const headerLength = this.headerLength;
      this.headerLength = 0;
      if (total > this.limit) return total;
      this.bodyLeft = total - headerLength;
    }
    return undefined;
  }
}
