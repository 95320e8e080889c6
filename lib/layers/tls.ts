/**
 * TLS records (RFC 8446 §5.1, RFC 5246 §6.2), enough to label MQTT-over-TLS
 * traffic (port 8883) the way Wireshark's Info column does. The contents are
 * encrypted; only record framing and the first handshake message type are read.
 *
 *   content type (1) · legacy version (2) · length (2) · fragment
 */
export const TlsContentType = {
  changeCipherSpec: 20,
  alert: 21,
  handshake: 22,
  applicationData: 23,
  heartbeat: 24,
} as const;

export const handshakeTypeNames: Readonly<Record<number, string>> = {
  1: "Client Hello",
  2: "Server Hello",
  4: "New Session Ticket",
  5: "End of Early Data",
  8: "Encrypted Extensions",
  11: "Certificate",
  12: "Server Key Exchange",
  13: "Certificate Request",
  14: "Server Hello Done",
  15: "Certificate Verify",
  16: "Client Key Exchange",
  20: "Finished",
  24: "Key Update",
};

/** Longest legal record body: 2^14 plus expansion (RFC 5246 §6.2.3). */
export const MAX_RECORD_BODY = 16384 + 2048;

export function plausibleTlsRecord(bytes: Uint8Array, position: number, end: number): boolean {
  if (end - position < 5) return false;
  const type = bytes[position];
  return type >= 20 && type <= 24 && bytes[position + 1] === 3 && bytes[position + 2] <= 4 && ((bytes[position + 3] << 8) | bytes[position + 4]) <= MAX_RECORD_BODY;
}

/** Info text for one record whose first `available` bytes are at `position`. */
export function describeTlsRecord(bytes: Uint8Array, position: number, available: number, handshakeSeen: boolean): string {
  const type = bytes[position];
  switch (type) {
    case TlsContentType.changeCipherSpec:
      return "Change Cipher Spec";
    case TlsContentType.alert:
      return handshakeSeen ? "Encrypted Alert" : "Alert";
    case TlsContentType.handshake:
      if (available > 5) {
        const name = handshakeTypeNames[bytes[position + 5]];
        if (name && !(handshakeSeen && bytes[position + 5] === 20)) return name;
      }
      return "Encrypted Handshake Message";
    case TlsContentType.applicationData:
      return "Application Data";
    case TlsContentType.heartbeat:
      return "Heartbeat";
    default:
      return "Ignored Unknown Record";
  }
}

export interface TlsRecordSink {
  /** A record finished in `frame`; `label` is its Info text. */
  record(label: string, frame: number): void;
}

/** Splits one direction's reassembled bytes into TLS records. */
export class TlsRecordFramer {
  private remaining = 0;
  private header: number[] = [];
  private synced = true;
  private changeCipherSeen = false;
  private readonly sink: TlsRecordSink;

  constructor(sink: TlsRecordSink) {
    this.sink = sink;
  }

  gap(): void {
    this.remaining = 0;
    this.header = [];
    this.synced = false;
  }

  push(bytes: Uint8Array, start: number, end: number, frame: number): void {
    let position = start;
    if (!this.synced) {
      if (!plausibleTlsRecord(bytes, position, end)) return;
      this.synced = true;
    }
    while (position < end) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, end - position);
        this.remaining -= take;
        position += take;
        continue;
      }
      // Need a 5-byte record header (possibly split across segments).
      while (this.header.length < 6 && position < end) this.header.push(bytes[position++]);
      if (this.header.length < 5) return;
      const header = Uint8Array.from(this.header);
      if (!plausibleTlsRecord(header, 0, 5 + 1)) {
        this.gap();
        return;
      }
      const body = (header[3] << 8) | header[4];
      const label = describeTlsRecord(header, 0, header.length, this.changeCipherSeen);
      if (header[0] === TlsContentType.changeCipherSpec) this.changeCipherSeen = true;
      this.remaining = body - (header.length - 5);
      this.header = [];
      this.sink.record(label, frame);
    }
  }
}
