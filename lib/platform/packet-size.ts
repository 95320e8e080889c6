/**
 * The platform's packet size limit, enforced from each packet's fixed header
 * (MQTT 3.1.1 §2.2, MQTT 5 §2.1.1): the type byte, then the Remaining Length,
 * a variable byte integer of one to four bytes (§2.2.3). The bodies are
 * counted past, never kept, so a packet that declares 268,435,455 bytes is
 * refused after five bytes instead of being buffered while it arrives.
 *
 * The size compared is the whole packet, fixed header included: what MQTT 5's
 * Maximum Packet Size property measures (§3.1.2.11.4, §3.2.2.3.6).
 */

/** 256 KiB: the Alibaba Cloud IoT Platform's documented limit for one message. */
export const DEFAULT_MAX_PACKET_SIZE = 256 * 1024;

/** Follows the packet boundaries of one direction of an MQTT stream. */
export class PacketSizeWatch {
  readonly limit: number;
  /** Body bytes of the current packet not yet seen. */
  private bodyLeft = 0;
  /** The fixed header being read: its type byte and Remaining Length bytes so far. */
  private header: number[] = [];
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
      const byte = chunk[i++]!;
      this.header.push(byte);
      if (this.header.length === 1 || byte & 0x80) {
        // [MQTT-1.5.5-1]: at most four Remaining Length bytes
        if (this.header.length === 5) this.lost = true;
        continue;
      }
      let remaining = 0;
      for (let k = this.header.length - 1; k >= 1; k--) remaining = remaining * 128 + (this.header[k]! & 0x7f);
      const total = this.header.length + remaining;
      this.header = [];
      if (total > this.limit) return total;
      this.bodyLeft = remaining;
    }
    return undefined;
  }
}
