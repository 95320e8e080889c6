/**
 * ClientHello and ServerHello bodies (RFC 8446 §4.1.2–4.1.3, RFC 5246 §7.4.1),
 * with the extensions that matter for reading a capture: the negotiated
 * version (supported_versions, §4.2.1), SNI (RFC 6066 §3), ALPN (RFC 7301),
 * pre_shared_key and early_data (§4.2.11, §4.2.10: resumption and 0-RTT), and
 * encrypt_then_mac / extended_master_secret (RFC 7366, RFC 7627).
 *
 * Pure functions over the handshake message body (after the 4-byte
 * handshake header). A body that runs short gives `problem`, never a throw.
 */

/** Extension code points (IANA TLS ExtensionType Values). */
export const TlsExtension = {
  serverName: 0x0000,
  alpn: 0x0010,
  encryptThenMac: 0x0016,
  extendedMasterSecret: 0x0017,
  sessionTicket: 0x0023,
  preSharedKey: 0x0029,
  earlyData: 0x002a,
  supportedVersions: 0x002b,
  keyShare: 0x0033,
} as const;

/** RFC 8446 §4.1.3: a ServerHello with this random is a HelloRetryRequest (SHA-256 of "HelloRetryRequest"). */
const HELLO_RETRY_RANDOM = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";

export interface ClientHello {
  legacyVersion: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuites: number[];
  /** Versions offered in supported_versions, or [legacyVersion]. */
  versions: number[];
  serverName?: string;
  alpn: string[];
  /** pre_shared_key offered: the client tries to resume. */
  offersPsk: boolean;
  /** early_data: the client sends 0-RTT data. */
  earlyData: boolean;
  sessionTicket: boolean;
}

export interface ServerHello {
  legacyVersion: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuite: number;
  /** The negotiated version: supported_versions if present, else the legacy field. */
  version: number;
  helloRetryRequest: boolean;
  /** TLS 1.3: the server accepted a PSK (resumption). */
  acceptedPsk: boolean;
  encryptThenMac: boolean;
  extendedMasterSecret: boolean;
  alpn?: string;
}

export type Parsed<T> = { value: T; problem?: undefined } | { value?: undefined; problem: string };

/** A bounds-checked reader; every read past the end marks it short. */
class Reader {
  position: number;
  short = false;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.position = start;
  }
  u8(): number {
    if (this.position + 1 > this.end) return this.fail();
    return this.bytes[this.position++];
  }
  u16(): number {
    if (this.position + 2 > this.end) return this.fail();
    const v = (this.bytes[this.position] << 8) | this.bytes[this.position + 1];
    this.position += 2;
    return v;
  }
  take(length: number): Uint8Array {
    if (this.position + length > this.end) {
      this.fail();
      return new Uint8Array(0);
    }
    const out = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    return out;
  }
  /** A sub-reader over a vector with a 1- or 2-byte length prefix. */
  vector(lengthBytes: 1 | 2): Reader {
    const length = lengthBytes === 1 ? this.u8() : this.u16();
    const start = this.position;
    this.take(length);
    return new Reader(this.bytes, start, this.short ? start : start + length);
  }
  get remaining(): number {
    return this.end - this.position;
  }
  private fail(): number {
    this.short = true;
    this.position = this.end;
    return 0;
  }
}

function readExtensions(reader: Reader, visit: (type: number, body: Reader) => void): void {
  if (reader.remaining === 0) return; // extensions are optional before TLS 1.3
  const all = reader.vector(2);
  while (all.remaining > 0 && !all.short) {
    const type = all.u16();
    const body = all.vector(2);
    if (all.short) break;
    visit(type, body);
  }
  if (all.short) reader.short = true;
}

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");

/** ALPN protocol names: a 2-byte list of 1-byte-length strings (RFC 7301 §3.1). */
function alpnNames(body: Reader): string[] {
  const list = body.vector(2);
  const names: string[] = [];
  while (list.remaining > 0) {
    const length = list.u8();
    const name = list.take(length);
    if (list.short) break;
    names.push(latin1(name));
  }
  return names;
}

export function parseClientHello(bytes: Uint8Array, start: number, end: number): Parsed<ClientHello> {
  const r = new Reader(bytes, start, end);
  const legacyVersion = r.u16();
  const random = r.take(32);
  const sessionId = r.vector(1);
  const suites = r.vector(2);
  const cipherSuites: number[] = [];
  while (suites.remaining >= 2) cipherSuites.push(suites.u16());
  r.vector(1); // legacy_compression_methods
  if (r.short) return { problem: "ClientHello shorter than its fixed fields" };
  const hello: ClientHello = {
    legacyVersion,
    random: Uint8Array.from(random),
    sessionId: Uint8Array.from(sessionId.bytes.subarray(sessionId.position, sessionId.end)),
    cipherSuites,
    versions: [legacyVersion],
    alpn: [],
    offersPsk: false,
    earlyData: false,
    sessionTicket: false,
  };
  readExtensions(r, (type, body) => {
    switch (type) {
      case TlsExtension.serverName: {
        // ServerNameList: name_type (0 = host_name) and a 2-byte-length name (RFC 6066 §3).
        const list = body.vector(2);
        while (list.remaining > 0) {
          const nameType = list.u8();
          const name = list.vector(2);
          if (list.short) break;
          if (nameType === 0) hello.serverName = latin1(name.bytes.subarray(name.position, name.end));
        }
        break;
      }
      case TlsExtension.alpn:
        hello.alpn = alpnNames(body);
        break;
      case TlsExtension.supportedVersions: {
        const list = body.vector(1);
        const versions: number[] = [];
        while (list.remaining >= 2) versions.push(list.u16());
        if (versions.length > 0) hello.versions = versions;
        break;
      }
      case TlsExtension.preSharedKey:
        hello.offersPsk = true;
        break;
      case TlsExtension.earlyData:
        hello.earlyData = true;
        break;
      case TlsExtension.sessionTicket:
        hello.sessionTicket = body.remaining > 0; // a non-empty ticket: TLS 1.2 resumption attempt
        break;
      default:
        break;
    }
  });
  if (r.short) return { problem: "ClientHello extensions run past the message" };
  return { value: hello };
}

export function parseServerHello(bytes: Uint8Array, start: number, end: number): Parsed<ServerHello> {
  const r = new Reader(bytes, start, end);
  const legacyVersion = r.u16();
  const random = r.take(32);
  const sessionId = r.vector(1);
  const cipherSuite = r.u16();
  r.u8(); // legacy_compression_method
  if (r.short) return { problem: "ServerHello shorter than its fixed fields" };
  const hello: ServerHello = {
    legacyVersion,
    random: Uint8Array.from(random),
    sessionId: Uint8Array.from(sessionId.bytes.subarray(sessionId.position, sessionId.end)),
    cipherSuite,
    version: legacyVersion,
    helloRetryRequest: Buffer.from(random).toString("hex") === HELLO_RETRY_RANDOM,
    acceptedPsk: false,
    encryptThenMac: false,
    extendedMasterSecret: false,
  };
  readExtensions(r, (type, body) => {
    switch (type) {
      case TlsExtension.supportedVersions:
        hello.version = body.u16();
        break;
      case TlsExtension.preSharedKey:
        hello.acceptedPsk = true;
        break;
      case TlsExtension.encryptThenMac:
        hello.encryptThenMac = true;
        break;
      case TlsExtension.extendedMasterSecret:
        hello.extendedMasterSecret = true;
        break;
      case TlsExtension.alpn:
        hello.alpn = alpnNames(body)[0];
        break;
      default:
        break;
    }
  });
  if (r.short) return { problem: "ServerHello extensions run past the message" };
  return { value: hello };
}

/** ALPN in TLS 1.3 is answered in EncryptedExtensions (RFC 8446 §4.3.1); read it there once decrypted. */
export function alpnFromEncryptedExtensions(bytes: Uint8Array, start: number, end: number): string | undefined {
  const r = new Reader(bytes, start, end);
  let alpn: string | undefined;
  readExtensions(r, (type, body) => {
    if (type === TlsExtension.alpn) alpn = alpnNames(body)[0];
  });
  return alpn;
}
