/**
 * One TLS connection, both directions, fed with each direction's reassembled
 * TCP bytes. It frames records (RFC 8446 §5.1), reads the handshake, finds the
 * connection's secrets in a key log by the ClientHello random, opens protected
 * records, and hands decrypted application data to the protocol above (MQTT,
 * or WebSocket then MQTT) as if it were a plain stream.
 *
 * Key changes per direction follow the handshake:
 * - TLS 1.3 (RFC 8446 §2, §7.1): after the ServerHello the server writes under
 *   its handshake secret and, after its Finished, its application secret; the
 *   client writes 0-RTT data under the early secret (if it offered early_data),
 *   then its handshake secret, and after its Finished its application secret.
 *   A KeyUpdate (§4.6.3) moves that direction to the next secret.
 * - TLS 1.2 (RFC 5246 §7.1): each direction switches to the key block's keys
 *   after its ChangeCipherSpec; its first protected message is Finished.
 *
 * Without secrets the records are still framed and labelled, and the
 * handshake's end is found from the record pattern: TLS 1.2's server Finished
 * follows its ChangeCipherSpec; TLS 1.3's server flight ends where the client's
 * first protected record (its Finished) begins.
 *
 * Nothing here throws on bad input: damaged records, wrong keys and short
 * handshakes become problems, and decoding goes on with the next record.
 */
import { cipherSuiteName, cipherSuites, tlsVersionName, type CipherSuite } from "./cipher-suites";
import { alertDescriptionLabel, alertLevelLabel, ContentType, HandshakeType, handshakeTypeLabels, MAX_RECORD_BODY, RECORD_HEADER_LENGTH } from "./constants";
import { alpnFromEncryptedExtensions, parseClientHello, parseServerHello, type ClientHello, type ServerHello } from "./hello";
import { tls12KeyBlock, tls13NextTrafficSecret, tls13TrafficKeys } from "./key-schedule";
import type { ConnectionSecrets } from "./keylog";
import { tls12Opener, tls13Opener, type RecordOpener } from "./record-protection";

export type TlsProblemCode = "tls.alert" | "tls.close_notify" | "tls.encrypted" | "tls.decryption_failed" | "tls.malformed" | "tls.unsupported_cipher";

/** One record, finished in `frame`. */
export interface TlsRecordEvent {
  fromClient: boolean;
  frame: number;
  time: number;
  /** Outer content type; for a decrypted TLS 1.3 record, the inner one. */
  contentType: number;
  /** Record bytes on the wire, header included. */
  length: number;
  /** Wireshark's Info text for the record ("Client Hello", "Application Data", "Alert (Level: Fatal, Description: Handshake Failure)"). */
  label: string;
  /** The record was protected and opened with logged keys. */
  decrypted: boolean;
  /** The record belongs to the handshake (up to and including the server's Finished). */
  handshake: boolean;
}

export interface TlsHandshakeSummary {
  /** Negotiated version (0x0304 TLS 1.3, 0x0303 TLS 1.2), once the ServerHello was seen. */
  version?: number;
  versionName?: string;
  cipherSuite?: number;
  cipherSuiteName?: string;
  /** SNI from the ClientHello. */
  serverName?: string;
  /** ALPN offered by the client, and the one the server chose (TLS 1.3: read from EncryptedExtensions when decrypted). */
  alpnOffered: string[];
  alpn?: string;
  /** Session resumption: TLS 1.3 PSK accepted, or TLS 1.2 session id / ticket resumed (abbreviated handshake). */
  resumed: boolean;
  /** The client sent 0-RTT data (TLS 1.3 early_data). */
  earlyData: boolean;
  helloRetryRequest: boolean;
  clientHelloFrame: number;
  clientHelloTime: number;
  serverHelloFrame?: number;
  /** The server's Finished (seen decrypted, or inferred from the record pattern). */
  finishedFrame?: number;
  finishedTime?: number;
  complete: boolean;
  /** The end was inferred from record types, without keys. */
  inferred: boolean;
  /** Server flights up to its Finished: 1 for TLS 1.3 and resumed TLS 1.2, 2 for a full TLS 1.2 handshake or a HelloRetryRequest. */
  roundTrips: number;
  /** TLS record bytes (headers included) each way during the handshake. */
  clientBytes: number;
  serverBytes: number;
  /** Frames that carried handshake records, in order. */
  frames: number[];
  /** Secrets for this connection were in the key log. */
  keysFound: boolean;
}

export interface TlsListener {
  record?(event: TlsRecordEvent): void;
  /** Decrypted application data, in order, for the protocol above. */
  plaintext?(fromClient: boolean, bytes: Uint8Array, frame: number): void;
  /** Application data of this direction was lost (a record that could not be opened, or bytes never captured). */
  plaintextGap?(fromClient: boolean, frame: number): void;
  /** The handshake finished (once), or the stream ended before it did (from `end()`). */
  handshake?(summary: TlsHandshakeSummary): void;
  problem?(code: TlsProblemCode, frame: number, message: string): void;
}

export interface TlsSessionOptions {
  /** The secrets of the connection whose ClientHello random this is. */
  secretsFor?(clientRandom: Uint8Array): ConnectionSecrets | undefined;
}

/** Handshake messages are reassembled up to this size; larger ones are skipped (certificate chains are a few KiB). */
const MAX_HANDSHAKE_MESSAGE = 256 * 1024;
/** After a gap, how many record sequence numbers ahead to try (RFC 8446 §5.3 nonces depend on it). */
const RESYNC_LOOKAHEAD = 32;
/** Decryption failures reported per direction before the rest are counted silently. */
const MAX_FAILURE_REPORTS = 4;

class Direction {
  readonly header = new Uint8Array(RECORD_HEADER_LENGTH);
  headerFilled = 0;
  body: Uint8Array | undefined;
  bodyFilled = 0;
  synced = true;
  /** Sequence numbers may have been skipped by a gap: try a few ahead. */
  lostRecords = false;
  /** Records are protected from now on (TLS 1.2 after CCS; TLS 1.3 after the ServerHello). */
  encrypted = false;
  opener: RecordOpener | undefined;
  /** TLS 1.3 client: handshake keys to fall back on when early-data keys stop working (0-RTT rejected or ended). */
  fallbackOpener: RecordOpener | undefined;
  /** TLS 1.2: keys that start at this direction's ChangeCipherSpec. */
  pendingOpener: RecordOpener | undefined;
  /** TLS 1.3: the secret for after Finished, and the current application secret (for KeyUpdate). */
  applicationSecret: Uint8Array | undefined;
  handshakeBuffer: Uint8Array = new Uint8Array(0);
  failures = 0;
  sawFinished = false;
  constructor(readonly fromClient: boolean) {}
}

export class TlsSession {
  private readonly client = new Direction(true);
  private readonly server = new Direction(false);
  private readonly listener: TlsListener;
  private readonly options: TlsSessionOptions;
  private clientHello: ClientHello | undefined;
  private serverHello: ServerHello | undefined;
  private suite: CipherSuite | undefined;
  private secrets: ConnectionSecrets | undefined;
  private summary: TlsHandshakeSummary | undefined;
  private summaryReported = false;
  private lastSender: boolean | undefined;
  private encryptedNoticeGiven = false;
  /** The current record's frame and time (records may end in a later segment than they start). */
  private frame = 0;
  private time = 0;

  constructor(listener: TlsListener, options: TlsSessionOptions = {}) {
    this.listener = listener;
    this.options = options;
  }

  /** The handshake as known so far. */
  get handshakeSummary(): TlsHandshakeSummary | undefined {
    return this.summary;
  }

  /** Bytes of one direction, in order, carried by `frame`. */
  data(fromClient: boolean, bytes: Uint8Array, start: number, end: number, frame: number, time: number): void {
    const d = fromClient ? this.client : this.server;
    let position = start;
    while (position < end) {
      if (!d.synced) {
        // After a gap: wait for something that looks like a record header.
        if (!this.plausibleHeader(bytes, position, end)) return;
        d.synced = true;
      }
      if (d.headerFilled < RECORD_HEADER_LENGTH) {
        const take = Math.min(RECORD_HEADER_LENGTH - d.headerFilled, end - position);
        d.header.set(bytes.subarray(position, position + take), d.headerFilled);
        d.headerFilled += take;
        position += take;
        if (d.headerFilled < RECORD_HEADER_LENGTH) return;
        const length = (d.header[3] << 8) | d.header[4];
        if (!this.plausibleHeader(d.header, 0, RECORD_HEADER_LENGTH)) {
          this.problem("tls.malformed", frame, `Not a TLS record header (type ${d.header[0]}, version 0x${((d.header[1] << 8) | d.header[2]).toString(16).padStart(4, "0")}, length ${length}); skipping to the next plausible record`);
          this.resetFraming(d);
          d.synced = false;
          continue;
        }
        d.body = new Uint8Array(length);
        d.bodyFilled = 0;
      }
      const body = d.body!;
      const take = Math.min(body.length - d.bodyFilled, end - position);
      body.set(bytes.subarray(position, position + take), d.bodyFilled);
      d.bodyFilled += take;
      position += take;
      if (d.bodyFilled === body.length) {
        this.frame = frame;
        this.time = time;
        const header = Uint8Array.from(d.header);
        this.resetFraming(d);
        this.onRecord(d, header, body);
      }
    }
  }

  /** Bytes of one direction were never captured. */
  gap(fromClient: boolean, frame: number): void {
    const d = fromClient ? this.client : this.server;
    this.resetFraming(d);
    d.synced = false;
    d.lostRecords = true;
    d.handshakeBuffer = new Uint8Array(0);
    if (d.encrypted) this.listener.plaintextGap?.(fromClient, frame);
  }

  /** The stream ended: report a handshake that never finished. */
  end(): void {
    if (this.summary && !this.summaryReported) {
      this.summaryReported = true;
      this.listener.handshake?.(this.summary);
    }
  }

  // ---- records ----

  private plausibleHeader(bytes: Uint8Array, position: number, end: number): boolean {
    if (end - position < 3) return end - position > 0 && bytes[position] >= 20 && bytes[position] <= 24;
    const type = bytes[position];
    if (type < 20 || type > 24 || bytes[position + 1] !== 3 || bytes[position + 2] > 4) return false;
    if (end - position < RECORD_HEADER_LENGTH) return true;
    const length = (bytes[position + 3] << 8) | bytes[position + 4];
    return length > 0 && length <= MAX_RECORD_BODY;
  }

  private resetFraming(d: Direction): void {
    d.headerFilled = 0;
    d.body = undefined;
    d.bodyFilled = 0;
  }

  private onRecord(d: Direction, header: Uint8Array, body: Uint8Array): void {
    const outerType = header[0];
    const wireLength = RECORD_HEADER_LENGTH + body.length;
    this.noteFlight(d.fromClient);
    const inHandshake = !this.summary?.complete;

    // ChangeCipherSpec is never protected (RFC 8446 §5: a TLS 1.3 middlebox-compatibility record).
    if (outerType === ContentType.changeCipherSpec) {
      if (this.isTls12() && d.pendingOpener !== undefined) {
        d.opener = d.pendingOpener;
        d.pendingOpener = undefined;
      }
      if (this.isTls12()) d.encrypted = true;
      // TLS 1.3: the client's ChangeCipherSpec after the ServerHello starts its second flight, so the server's flight is over.
      else if (this.serverHello && d.fromClient && !this.server.sawFinished) this.onFinished(this.server, true);
      this.emitRecord(d, outerType, wireLength, "Change Cipher Spec", false, inHandshake);
      return;
    }

    if (!d.encrypted) {
      this.onPlainRecord(d, outerType, body, wireLength, inHandshake);
      return;
    }

    const opened = this.open(d, header, body);
    if (opened === undefined) {
      this.onUnopenedRecord(d, outerType, wireLength, inHandshake);
      return;
    }
    const type = opened.contentType;
    if (type === ContentType.applicationData) {
      this.emitRecord(d, type, wireLength, "Application Data", true, inHandshake);
      if (opened.plaintext.length > 0) this.listener.plaintext?.(d.fromClient, opened.plaintext, this.frame);
    } else if (type === ContentType.handshake) {
      const names = this.onHandshakeBytes(d, opened.plaintext, true);
      this.emitRecord(d, type, wireLength, names.length > 0 ? names.join(", ") : "Handshake", true, inHandshake);
    } else if (type === ContentType.alert) {
      this.emitRecord(d, type, wireLength, this.onAlert(opened.plaintext), true, inHandshake);
    } else {
      this.emitRecord(d, type, wireLength, `Content Type ${type}`, true, inHandshake);
    }
  }

  private onPlainRecord(d: Direction, type: number, body: Uint8Array, wireLength: number, inHandshake: boolean): void {
    switch (type) {
      case ContentType.handshake: {
        const names = this.onHandshakeBytes(d, body, false);
        this.emitRecord(d, type, wireLength, names.length > 0 ? names.join(", ") : "Handshake", false, inHandshake);
        return;
      }
      case ContentType.alert:
        this.emitRecord(d, type, wireLength, this.onAlert(body), false, inHandshake);
        return;
      case ContentType.applicationData:
        // Application data before any handshake: the capture started mid-connection.
        this.emitRecord(d, type, wireLength, "Application Data", false, inHandshake);
        this.noticeEncrypted();
        return;
      default:
        this.emitRecord(d, type, wireLength, type === ContentType.heartbeat ? "Heartbeat" : `Content Type ${type}`, false, inHandshake);
    }
  }

  /** A protected record that could not be opened: label it as Wireshark does without keys, and infer the handshake's progress. */
  private onUnopenedRecord(d: Direction, outerType: number, wireLength: number, inHandshake: boolean): void {
    let label: string;
    if (outerType === ContentType.alert) label = "Encrypted Alert";
    else if (outerType === ContentType.handshake) label = "Encrypted Handshake Message";
    else label = "Application Data";
    // TLS 1.2: the first protected handshake message of each side is its Finished.
    if (this.isTls12() && outerType === ContentType.handshake && !d.sawFinished) this.onFinished(d, true);
    // TLS 1.3: the client's first protected record comes after the server's whole flight.
    if (!this.isTls12() && this.serverHello && d.fromClient && !this.server.sawFinished && this.summary && !this.summary.complete) this.onFinished(this.server, true);
    this.emitRecord(d, outerType, wireLength, label, false, inHandshake && !this.summary?.complete);
    if (outerType === ContentType.applicationData) this.noticeEncrypted();
  }

  private open(d: Direction, header: Uint8Array, body: Uint8Array): { contentType: number; plaintext: Uint8Array } | undefined {
    if (!d.opener) return undefined;
    const lookahead = d.lostRecords ? RESYNC_LOOKAHEAD : 0;
    let result = d.opener.open(header, body, lookahead);
    if (!result.ok && d.fallbackOpener) {
      // TLS 1.3: early data rejected or ended; the client is on its handshake keys.
      const fallback = d.fallbackOpener.open(header, body, lookahead);
      if (fallback.ok) {
        d.opener = d.fallbackOpener;
        d.fallbackOpener = undefined;
        result = fallback;
      }
    }
    if (!result.ok) {
      d.opener.skip();
      d.failures++;
      if (d.failures <= MAX_FAILURE_REPORTS) {
        const more = d.failures === MAX_FAILURE_REPORTS ? " (further failures in this direction are not reported)" : "";
        this.problem("tls.decryption_failed", this.frame, `Cannot decrypt a ${d.fromClient ? "client" : "server"} record: ${result.reason}: wrong keys in the key log, or a damaged record${more}`);
      }
      this.listener.plaintextGap?.(d.fromClient, this.frame);
      return undefined;
    }
    d.lostRecords = false;
    return result;
  }

  // ---- handshake ----

  /** Appends handshake bytes and handles each whole message; returns the labels of the messages that ended here. */
  private onHandshakeBytes(d: Direction, bytes: Uint8Array, decrypted: boolean): string[] {
    let buffer = bytes;
    if (d.handshakeBuffer.length > 0) {
      buffer = new Uint8Array(d.handshakeBuffer.length + bytes.length);
      buffer.set(d.handshakeBuffer, 0);
      buffer.set(bytes, d.handshakeBuffer.length);
    }
    const names: string[] = [];
    let position = 0;
    while (buffer.length - position >= 4) {
      const type = buffer[position];
      const length = (buffer[position + 1] << 16) | (buffer[position + 2] << 8) | buffer[position + 3];
      if (length > MAX_HANDSHAKE_MESSAGE) {
        this.problem("tls.malformed", this.frame, `A handshake message claims ${length} bytes; skipping this direction's handshake bytes`);
        d.handshakeBuffer = new Uint8Array(0);
        return names;
      }
      if (buffer.length - position < 4 + length) break;
      names.push(handshakeTypeLabels[type] ?? `Handshake Type ${type}`);
      this.onHandshakeMessage(d, type, buffer, position + 4, position + 4 + length, decrypted);
      position += 4 + length;
    }
    d.handshakeBuffer = position < buffer.length ? Uint8Array.from(buffer.subarray(position)) : new Uint8Array(0);
    return names;
  }

  private onHandshakeMessage(d: Direction, type: number, bytes: Uint8Array, start: number, end: number, decrypted: boolean): void {
    switch (type) {
      case HandshakeType.clientHello:
        if (d.fromClient) this.onClientHello(bytes, start, end);
        break;
      case HandshakeType.serverHello:
        if (!d.fromClient) this.onServerHello(bytes, start, end);
        break;
      case HandshakeType.encryptedExtensions:
        if (this.summary && !d.fromClient) {
          const alpn = alpnFromEncryptedExtensions(bytes, start, end);
          if (alpn !== undefined) this.summary.alpn = alpn;
        }
        break;
      case HandshakeType.endOfEarlyData:
        if (d.fromClient && d.fallbackOpener) {
          d.opener = d.fallbackOpener;
          d.fallbackOpener = undefined;
        }
        break;
      case HandshakeType.finished:
        this.onFinished(d, !decrypted);
        break;
      case HandshakeType.keyUpdate:
        // RFC 8446 §4.6.3: this direction continues under the next application secret.
        if (this.suite && d.applicationSecret) {
          d.applicationSecret = tls13NextTrafficSecret(this.suite, d.applicationSecret);
          d.opener = tls13Opener(this.suite, tls13TrafficKeys(this.suite, d.applicationSecret));
        }
        break;
      default:
        break;
    }
  }

  private onClientHello(bytes: Uint8Array, start: number, end: number): void {
    const parsed = parseClientHello(bytes, start, end);
    if (parsed.problem !== undefined) {
      this.problem("tls.malformed", this.frame, parsed.problem);
      return;
    }
    const hello = parsed.value;
    if (this.clientHello) {
      // The second ClientHello after a HelloRetryRequest keeps the first random (RFC 8446 §4.1.2).
      return;
    }
    this.clientHello = hello;
    this.secrets = this.options.secretsFor?.(hello.random);
    this.summary = {
      alpnOffered: hello.alpn,
      resumed: false,
      earlyData: hello.earlyData,
      helloRetryRequest: false,
      clientHelloFrame: this.frame,
      clientHelloTime: this.time,
      complete: false,
      inferred: false,
      roundTrips: 0,
      clientBytes: 0,
      serverBytes: 0,
      frames: [],
      keysFound: this.secrets !== undefined,
    };
    if (hello.serverName !== undefined) this.summary.serverName = hello.serverName;
    // 0-RTT data follows the ClientHello under the client's early traffic secret (RFC 8446 §2.3).
    if (hello.earlyData && this.secrets?.clientEarlyTrafficSecret) {
      const suite = cipherSuites.get(hello.cipherSuites[0]);
      if (suite && suite.version === 0x0304) {
        this.client.opener = tls13Opener(suite, tls13TrafficKeys(suite, this.secrets.clientEarlyTrafficSecret));
        this.client.encrypted = true;
      }
    } else if (hello.earlyData) {
      this.client.encrypted = true;
    }
  }

  private onServerHello(bytes: Uint8Array, start: number, end: number): void {
    const parsed = parseServerHello(bytes, start, end);
    if (parsed.problem !== undefined) {
      this.problem("tls.malformed", this.frame, parsed.problem);
      return;
    }
    const hello = parsed.value;
    if (hello.helloRetryRequest) {
      if (this.summary) this.summary.helloRetryRequest = true;
      return;
    }
    this.serverHello = hello;
    const summary = this.summary;
    if (summary) {
      summary.version = hello.version;
      summary.versionName = tlsVersionName(hello.version);
      summary.cipherSuite = hello.cipherSuite;
      summary.cipherSuiteName = cipherSuiteName(hello.cipherSuite);
      summary.serverHelloFrame = this.frame;
      if (hello.alpn !== undefined) summary.alpn = hello.alpn;
      // TLS 1.2 resumption: the server echoes the client's non-empty session id.
      const sid = this.clientHello?.sessionId;
      summary.resumed =
        hello.version === 0x0304 ? hello.acceptedPsk : sid !== undefined && sid.length > 0 && Buffer.from(sid).equals(Buffer.from(hello.sessionId));
    }
    const suite = cipherSuites.get(hello.cipherSuite);
    this.suite = suite;
    if (hello.version === 0x0304) {
      // Everything after the ServerHello is protected in both directions (RFC 8446 §2).
      this.server.encrypted = true;
      this.client.encrypted = true;
      if (!suite) {
        if (this.secrets) this.problem("tls.unsupported_cipher", this.frame, `Cipher suite ${cipherSuiteName(hello.cipherSuite)} cannot be decrypted here`);
        return;
      }
      const s = this.secrets;
      if (s?.serverHandshakeTrafficSecret) this.server.opener = tls13Opener(suite, tls13TrafficKeys(suite, s.serverHandshakeTrafficSecret));
      this.server.applicationSecret = s?.serverTrafficSecret0;
      this.client.applicationSecret = s?.clientTrafficSecret0;
      if (s?.clientHandshakeTrafficSecret) {
        const handshakeOpener = tls13Opener(suite, tls13TrafficKeys(suite, s.clientHandshakeTrafficSecret));
        if (this.client.opener) this.client.fallbackOpener = handshakeOpener; // early data keys first
        else this.client.opener = handshakeOpener;
      }
      return;
    }
    // TLS 1.2 and older: keys take effect at each side's ChangeCipherSpec.
    if (!suite) {
      if (this.secrets) this.problem("tls.unsupported_cipher", this.frame, `Cipher suite ${cipherSuiteName(hello.cipherSuite)} cannot be decrypted here`);
      return;
    }
    const master = this.secrets?.masterSecret;
    if (master && this.clientHello) {
      const block = tls12KeyBlock(suite, master, this.clientHello.random, hello.random);
      const options = { encryptThenMac: hello.encryptThenMac && suite.cipher.kind === "cbc" };
      this.client.pendingOpener = tls12Opener(suite, block.client, options);
      this.server.pendingOpener = tls12Opener(suite, block.server, options);
    }
  }

  private onFinished(d: Direction, inferred: boolean): void {
    if (d.sawFinished) return;
    d.sawFinished = true;
    // TLS 1.3: after its Finished each side writes under its application secret.
    if (!this.isTls12() && this.suite && d.applicationSecret) {
      d.opener = tls13Opener(this.suite, tls13TrafficKeys(this.suite, d.applicationSecret));
      d.fallbackOpener = undefined;
    }
    if (d.fromClient) return;
    const summary = this.summary;
    if (!summary || summary.complete) return;
    summary.complete = true;
    summary.inferred = inferred;
    // Inferred from the client's next record: the server's flight ended with its previous record.
    summary.finishedFrame = inferred && !this.isTls12() ? this.lastServerFrame : this.frame;
    summary.finishedTime = inferred && !this.isTls12() ? this.lastServerTime : this.time;
    this.summaryReported = true;
    this.listener.handshake?.(summary);
  }

  // ---- alerts, records, problems ----

  private onAlert(body: Uint8Array): string {
    if (body.length < 2) {
      this.problem("tls.malformed", this.frame, `An alert of ${body.length} byte(s); alerts are 2 bytes`);
      return "Alert";
    }
    const level = body[0];
    const description = body[1];
    const label = `Alert (Level: ${alertLevelLabel(level)}, Description: ${alertDescriptionLabel(description)})`;
    if (description === 0) this.problem("tls.close_notify", this.frame, `TLS close_notify: the ${this.currentSenderName()} closes the TLS session`);
    else this.problem("tls.alert", this.frame, `TLS alert from the ${this.currentSenderName()}: ${alertDescriptionLabel(description)} (${alertLevelLabel(level).toLowerCase()}, code ${description})`);
    return label;
  }

  private currentSender: boolean = true;
  private lastServerFrame = 0;
  private lastServerTime = 0;

  private currentSenderName(): string {
    return this.currentSender ? "client" : "server";
  }

  /** Counts server flights: a server record after a client one starts a new round trip. */
  private noteFlight(fromClient: boolean): void {
    this.currentSender = fromClient;
    if (this.summary && !this.summary.complete && !fromClient && this.lastSender !== false) this.summary.roundTrips++;
    if (!fromClient) {
      this.lastServerFrame = this.frame;
      this.lastServerTime = this.time;
    }
    this.lastSender = fromClient;
  }

  private emitRecord(d: Direction, contentType: number, length: number, label: string, decrypted: boolean, handshake: boolean): void {
    const summary = this.summary;
    if (summary && handshake) {
      if (d.fromClient) summary.clientBytes += length;
      else summary.serverBytes += length;
      if (summary.frames[summary.frames.length - 1] !== this.frame) summary.frames.push(this.frame);
    }
    this.listener.record?.({ fromClient: d.fromClient, frame: this.frame, time: this.time, contentType, length, label, decrypted, handshake });
  }

  private noticeEncrypted(): void {
    if (this.encryptedNoticeGiven || this.secrets) return;
    this.encryptedNoticeGiven = true;
    this.problem(
      "tls.encrypted",
      this.frame,
      "Encrypted: give a key log to see the MQTT inside (`--tls-keylog FILE`). Record one with NODE_OPTIONS=--tls-keylog=FILE for MQTT.js and other Node programs, or SSLKEYLOGFILE=FILE for tools that honour it (curl, browsers, mosquitto_pub built with keylog support)",
    );
  }

  private problem(code: TlsProblemCode, frame: number, message: string): void {
    this.listener.problem?.(code, frame, message);
  }

  private isTls12(): boolean {
    return this.serverHello !== undefined && this.serverHello.version !== 0x0304;
  }
}
