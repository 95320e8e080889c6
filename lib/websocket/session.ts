/**
 * One WebSocket connection, both directions, fed with each direction's
 * reassembled bytes (from TCP, or from TLS for wss). Until the server's
 * `101 Switching Protocols` arrives, the bytes are HTTP and never reach the
 * protocol above; after it, frames are decoded (RFC 6455 §5), client frames
 * unmasked, fragmented messages joined, compressed messages inflated
 * (permessage-deflate, RFC 7692, with context takeover), and the data of
 * text and binary messages handed up in order: for MQTT over WebSocket that
 * is a byte stream of MQTT packets, which may span frames (MQTT 5 §6).
 *
 * Uncompressed data goes up as its bytes arrive, attributed to the frame that
 * carried them, as plain MQTT over TCP is; a compressed message goes up when
 * its last frame has arrived. Nothing throws: bad frames become problems and
 * the direction resynchronises only at a gap.
 */
import { inflateRawSync, constants as zlibConstants } from "node:zlib";
import { decodeFrameHeader, frameLabel, Opcode, unmask, type WebSocketFrameHeader } from "./frame";
import { headLength, negotiatedDeflate, parseUpgradeRequest, parseUpgradeResponse, type DeflateParameters, type UpgradeRequest } from "./http-upgrade";

export type WebSocketProblemCode = "websocket.malformed" | "websocket.upgrade_refused" | "websocket.unmasked" | "websocket.close" | "websocket.ping" | "websocket.inflate_failed" | "websocket.not_upgraded";

export interface WebSocketFrameEvent {
  fromClient: boolean;
  frame: number;
  time: number;
  opcode: number;
  fin: boolean;
  masked: boolean;
  compressed: boolean;
  /** Payload bytes (as on the wire, before inflating). */
  payloadLength: number;
  /** Frame bytes on the wire, header included. */
  length: number;
  label: string;
}

export interface WebSocketHandshake {
  requestFrame: number;
  requestTime: number;
  responseFrame?: number;
  responseTime?: number;
  path: string;
  host?: string;
  /** Sec-WebSocket-Protocol offered by the client and chosen by the server ("mqtt"). */
  protocolsOffered: string[];
  protocol?: string;
  status?: number;
  /** permessage-deflate was agreed. */
  deflate: boolean;
  accepted: boolean;
  /** HTTP head bytes each way. */
  clientBytes: number;
  serverBytes: number;
  frames: number[];
}

export interface WebSocketListener {
  /** The HTTP request/response pair, and the request's label ("GET /mqtt HTTP/1.1"). */
  http?(fromClient: boolean, frame: number, time: number, label: string, length: number): void;
  handshake?(handshake: WebSocketHandshake): void;
  frame?(event: WebSocketFrameEvent): void;
  /** Message data for the protocol above, in order. */
  data?(fromClient: boolean, bytes: Uint8Array, frame: number): void;
  dataGap?(fromClient: boolean, frame: number): void;
  problem?(code: WebSocketProblemCode, frame: number, message: string): void;
}

/** A compressed message is held until its last frame; past this it is skipped. */
const MAX_COMPRESSED_MESSAGE = 16 * 1024 * 1024;
/** The dictionary kept for context takeover: the window (2^15 bytes at most). */
const MAX_WINDOW = 32 * 1024;
const DEFLATE_TAIL = Uint8Array.of(0x00, 0x00, 0xff, 0xff);

class Direction {
  http: Uint8Array = new Uint8Array(0);
  headerBytes: Uint8Array = new Uint8Array(0);
  header: WebSocketFrameHeader | undefined;
  payloadSeen = 0;
  /** Inside a fragmented message: its opcode, and whether it is compressed. */
  messageOpcode: number | undefined;
  messageCompressed = false;
  compressedParts: Uint8Array[] = [];
  compressedLength = 0;
  /** Control frame payloads are read whole (close code and reason). */
  controlPayload: Uint8Array[] = [];
  window: Uint8Array = new Uint8Array(0);
  synced = true;
  constructor(readonly fromClient: boolean) {}
}

export class WebSocketSession {
  private readonly client = new Direction(true);
  private readonly server = new Direction(false);
  private readonly listener: WebSocketListener;
  private state: "request" | "response" | "open" | "refused" = "request";
  private handshakeInfo: WebSocketHandshake | undefined;
  private deflate: DeflateParameters | undefined;
  private unmaskedReported = false;
  private pingReported = 0;

  constructor(listener: WebSocketListener) {
    this.listener = listener;
  }

  get handshake(): WebSocketHandshake | undefined {
    return this.handshakeInfo;
  }

  /** The upgrade completed; frames follow. */
  get open(): boolean {
    return this.state === "open";
  }

  data(fromClient: boolean, bytes: Uint8Array, start: number, end: number, frame: number, time: number): void {
    const d = fromClient ? this.client : this.server;
    let position = start;
    if (this.state !== "open") {
      position = this.onHttpBytes(d, bytes, start, end, frame, time);
      if (position < 0) return; // still HTTP (or refused): nothing for the protocol above
    }
    this.onFrameBytes(d, bytes, position, end, frame, time);
  }

  gap(fromClient: boolean, frame: number): void {
    const d = fromClient ? this.client : this.server;
    d.headerBytes = new Uint8Array(0);
    d.header = undefined;
    d.payloadSeen = 0;
    d.messageOpcode = undefined;
    d.compressedParts = [];
    d.compressedLength = 0;
    d.controlPayload = [];
    // The compression window is unknown after lost bytes.
    d.window = new Uint8Array(0);
    d.synced = false;
    if (this.state === "open") this.listener.dataGap?.(fromClient, frame);
  }

  end(): void {
    if (this.handshakeInfo && this.state !== "open" && this.state !== "refused") {
      this.listener.handshake?.(this.handshakeInfo);
      this.state = "refused";
    }
  }

  // ---- the HTTP upgrade ----

  /** Returns where frames start in these bytes, or -1 while still in HTTP. */
  private onHttpBytes(d: Direction, bytes: Uint8Array, start: number, end: number, frame: number, time: number): number {
    if (this.state === "refused") return -1;
    const expected = this.state === "request" ? this.client : this.server;
    if (d !== expected) {
      if (d.fromClient && this.state === "response") {
        // Client bytes before the 101: frames the client sent optimistically; keep them for after the upgrade.
        d.http = concat(d.http, bytes.subarray(start, end));
      }
      return -1;
    }
    const buffered = concat(d.http, bytes.subarray(start, end));
    const length = headLength(buffered, 0, buffered.length);
    if (length === 0) {
      d.http = buffered;
      return -1;
    }
    if (length < 0) {
      this.problem("websocket.not_upgraded", frame, `Expected an HTTP ${this.state === "request" ? "upgrade request" : "response"} here; this stream is not decoded as WebSocket`);
      this.state = "refused";
      return -1;
    }
    d.http = new Uint8Array(0);
    const already = buffered.length - (end - start);
    if (this.state === "request") {
      const request = parseUpgradeRequest(buffered, 0, length);
      if (!request) {
        this.problem("websocket.not_upgraded", frame, `An HTTP request that does not ask for a WebSocket: ${printable(buffered, length)}`);
        this.state = "refused";
        return -1;
      }
      this.onRequest(request, frame, time, length);
      this.state = "response";
      // Frames the client sends before the response are held until the upgrade completes.
      if (buffered.length > length) d.http = Uint8Array.from(buffered.subarray(length));
      return -1;
    }
    const response = parseUpgradeResponse(buffered, 0, length);
    const info = this.handshakeInfo!;
    info.serverBytes += length;
    info.responseFrame = frame;
    info.responseTime = time;
    if (info.frames[info.frames.length - 1] !== frame) info.frames.push(frame);
    this.listener.http?.(false, frame, time, response ? `${response.startLine} ` : "HTTP response", length);
    if (!response || response.status !== 101) {
      info.status = response?.status;
      info.accepted = false;
      this.problem("websocket.upgrade_refused", frame, `The server refused the WebSocket upgrade: ${response ? response.startLine : printable(buffered, length)}`);
      this.state = "refused";
      this.listener.handshake?.(info);
      return -1;
    }
    info.status = 101;
    info.accepted = true;
    const protocol = response.headers.get("sec-websocket-protocol");
    if (protocol) info.protocol = protocol;
    this.deflate = negotiatedDeflate(response);
    info.deflate = this.deflate !== undefined;
    this.state = "open";
    this.listener.handshake?.(info);
    // Client frames that arrived before the response.
    const early = this.client.http;
    if (early.length > 0) {
      this.client.http = new Uint8Array(0);
      this.onFrameBytes(this.client, early, 0, early.length, frame, time);
    }
    // Frames after the head in the same bytes.
    return start + Math.max(0, length - already);
  }

  private onRequest(request: UpgradeRequest, frame: number, time: number, length: number): void {
    const offered = (request.headers.get("sec-websocket-protocol") ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    this.handshakeInfo = {
      requestFrame: frame,
      requestTime: time,
      path: request.path,
      protocolsOffered: offered,
      deflate: false,
      accepted: false,
      clientBytes: length,
      serverBytes: 0,
      frames: [frame],
      ...(request.headers.has("host") ? { host: request.headers.get("host")! } : {}),
    };
    this.listener.http?.(true, frame, time, `${request.startLine} `, length);
  }

  // ---- frames ----

  private onFrameBytes(d: Direction, bytes: Uint8Array, start: number, end: number, frame: number, time: number): void {
    let position = start;
    while (position < end) {
      if (!d.header) {
        if (!d.synced) {
          // After a gap: senders start a segment at a frame boundary far more often than not, so a
          // delivery that starts with a plausible first frame of a message resynchronises (as the
          // MQTT framer does); nothing is guessed from the middle of a delivery.
          if (position !== start || !this.plausibleResync(d, bytes, position, end)) return;
          d.synced = true;
        }
        const pending = d.headerBytes.length > 0 ? concat(d.headerBytes, bytes.subarray(position, Math.min(end, position + 14))) : bytes;
        const from = d.headerBytes.length > 0 ? 0 : position;
        const to = d.headerBytes.length > 0 ? pending.length : end;
        const decoded = decodeFrameHeader(pending, from, to);
        if (decoded.needMore) {
          d.headerBytes = concat(d.headerBytes, bytes.subarray(position, end));
          return;
        }
        if (decoded.problem !== undefined) {
          this.problem("websocket.malformed", frame, `Malformed WebSocket frame from the ${d.fromClient ? "client" : "server"}: ${decoded.problem}; the rest of this direction is not decoded`);
          d.synced = false;
          return;
        }
        const header = decoded.header;
        // Bytes of this segment that completed the header.
        position += header.headerLength - d.headerBytes.length;
        d.headerBytes = new Uint8Array(0);
        if (!this.acceptHeader(d, header, frame)) {
          d.synced = false;
          return;
        }
        d.header = header;
        d.payloadSeen = 0;
      }
      const header = d.header;
      const take = Math.min(header.payloadLength - d.payloadSeen, end - position);
      if (take > 0) {
        // A copy (the input may be a Buffer, whose slice is a view): unmasking must not change the caller's bytes.
        const payload = Uint8Array.from(bytes.subarray(position, position + take));
        if (header.maskKey) unmask(payload, header.maskKey, d.payloadSeen);
        this.onPayload(d, header, payload, frame);
        d.payloadSeen += take;
        position += take;
      }
      if (d.payloadSeen === header.payloadLength) {
        d.header = undefined;
        this.onFrameEnd(d, header, frame, time);
      }
    }
  }

  /** A whole, well-formed header of a new message (not a continuation) with this direction's masking. */
  private plausibleResync(d: Direction, bytes: Uint8Array, position: number, end: number): boolean {
    const decoded = decodeFrameHeader(bytes, position, end);
    const header = decoded.header;
    if (!header || header.masked !== d.fromClient || header.rsv2 || header.rsv3 || (header.rsv1 && !this.deflate)) return false;
    const known = header.opcode === Opcode.text || header.opcode === Opcode.binary || header.opcode === Opcode.close || header.opcode === Opcode.ping || header.opcode === Opcode.pong;
    if (!known || (header.opcode >= 0x8 && (!header.fin || header.payloadLength > 125))) return false;
    // A compressed message continues a window lost in the gap: it cannot be inflated.
    return !header.rsv1;
  }

  /** Checks a header against the connection's state; false stops this direction. */
  private acceptHeader(d: Direction, header: WebSocketFrameHeader, frame: number): boolean {
    // §5.1: client frames are masked, server frames are not.
    if (d.fromClient !== header.masked && !this.unmaskedReported) {
      this.unmaskedReported = true;
      this.problem("websocket.unmasked", frame, d.fromClient ? "A client frame is not masked (RFC 6455 §5.1 requires it)" : "A server frame is masked (RFC 6455 §5.1 forbids it)");
    }
    if (header.rsv2 || header.rsv3 || (header.rsv1 && !this.deflate)) {
      this.problem("websocket.malformed", frame, "A reserved bit is set that no agreed extension defines (RFC 6455 §5.2)");
      return false;
    }
    if (header.opcode >= 0x8) return true;
    if (header.opcode === Opcode.continuation) {
      if (d.messageOpcode === undefined) {
        this.problem("websocket.malformed", frame, "A continuation frame outside a fragmented message (RFC 6455 §5.4)");
        return false;
      }
    } else {
      if (d.messageOpcode !== undefined) {
        this.problem("websocket.malformed", frame, "A new message starts before the previous one's final frame (RFC 6455 §5.4)");
        return false;
      }
      d.messageOpcode = header.opcode;
      d.messageCompressed = header.rsv1;
    }
    return true;
  }

  private onPayload(d: Direction, header: WebSocketFrameHeader, payload: Uint8Array, frame: number): void {
    if (header.opcode >= 0x8) {
      d.controlPayload.push(payload);
      return;
    }
    if (d.messageCompressed) {
      d.compressedLength += payload.length;
      if (d.compressedLength <= MAX_COMPRESSED_MESSAGE) d.compressedParts.push(payload);
      return;
    }
    if (payload.length > 0) this.listener.data?.(d.fromClient, payload, frame);
  }

  private onFrameEnd(d: Direction, header: WebSocketFrameHeader, frame: number, time: number): void {
    this.listener.frame?.({
      fromClient: d.fromClient,
      frame,
      time,
      opcode: header.opcode,
      fin: header.fin,
      masked: header.masked,
      compressed: header.rsv1,
      payloadLength: header.payloadLength,
      length: header.headerLength + header.payloadLength,
      label: frameLabel(header),
    });
    if (header.opcode >= 0x8) {
      this.onControl(d, header.opcode, concatAll(d.controlPayload), frame);
      d.controlPayload = [];
      return;
    }
    if (!header.fin) return;
    if (d.messageCompressed) this.inflateMessage(d, frame);
    d.messageOpcode = undefined;
    d.messageCompressed = false;
  }

  private inflateMessage(d: Direction, frame: number): void {
    const parts = d.compressedParts;
    const total = d.compressedLength;
    d.compressedParts = [];
    d.compressedLength = 0;
    if (total > MAX_COMPRESSED_MESSAGE) {
      this.problem("websocket.inflate_failed", frame, `A compressed message of ${total} bytes is larger than ${MAX_COMPRESSED_MESSAGE}; skipped`);
      d.window = new Uint8Array(0);
      this.listener.dataGap?.(d.fromClient, frame);
      return;
    }
    const params = this.deflate!;
    const noTakeover = d.fromClient ? params.clientNoContextTakeover : params.serverNoContextTakeover;
    const windowBits = d.fromClient ? params.clientMaxWindowBits : params.serverMaxWindowBits;
    let output: Uint8Array;
    try {
      // RFC 7692 §7.2.2: append 00 00 ff ff and inflate; with context takeover the previous messages' output is the dictionary.
      output = inflateRawSync(concatAll([...parts, DEFLATE_TAIL]), {
        finishFlush: zlibConstants.Z_SYNC_FLUSH,
        windowBits: Math.max(9, Math.min(15, windowBits)),
        maxOutputLength: 64 * MAX_COMPRESSED_MESSAGE,
        ...(!noTakeover && d.window.length > 0 ? { dictionary: d.window } : {}),
      });
    } catch (error) {
      this.problem("websocket.inflate_failed", frame, `A compressed message could not be inflated: ${(error as Error).message}`);
      d.window = new Uint8Array(0);
      this.listener.dataGap?.(d.fromClient, frame);
      return;
    }
    if (!noTakeover) {
      const joined = concat(d.window, output);
      d.window = joined.length > MAX_WINDOW ? joined.slice(joined.length - MAX_WINDOW) : joined;
    }
    if (output.length > 0) this.listener.data?.(d.fromClient, output, frame);
  }

  private onControl(d: Direction, opcode: number, payload: Uint8Array, frame: number): void {
    const who = d.fromClient ? "client" : "server";
    if (opcode === Opcode.close) {
      // §5.5.1: an optional 2-byte status code, then a UTF-8 reason.
      if (payload.length >= 2) {
        const code = (payload[0] << 8) | payload[1];
        const reason = Buffer.from(payload.subarray(2)).toString("utf8");
        this.problem("websocket.close", frame, `WebSocket close from the ${who}: ${code} ${closeCodeLabels[code] ?? ""}${reason ? ` (${reason})` : ""}`.replace(/ +/g, " ").trim());
      } else {
        this.problem("websocket.close", frame, `WebSocket close from the ${who} (no status code)`);
      }
    } else if (opcode === Opcode.ping && this.pingReported < 8) {
      this.pingReported++;
      this.problem("websocket.ping", frame, `WebSocket ping from the ${who} (${payload.length} bytes); a WebSocket-level keep-alive, separate from MQTT's PINGREQ`);
    }
  }

  private problem(code: WebSocketProblemCode, frame: number, message: string): void {
    this.listener.problem?.(code, frame, message);
  }
}

/** Close codes (RFC 6455 §7.4.1). */
export const closeCodeLabels: Readonly<Record<number, string>> = {
  1000: "Normal Closure",
  1001: "Going Away",
  1002: "Protocol error",
  1003: "Unsupported Data",
  1005: "No Status Rcvd",
  1006: "Abnormal Closure",
  1007: "Invalid frame payload data",
  1008: "Policy Violation",
  1009: "Message Too Big",
  1010: "Mandatory Ext.",
  1011: "Internal Error",
  1015: "TLS handshake",
};

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return Uint8Array.from(b);
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function concatAll(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The first line of a head, for a message: printable ASCII only. */
function printable(bytes: Uint8Array, length: number): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(length, 120)).toString("latin1").split("\r\n")[0];
  return JSON.stringify(text.replace(/[^\x20-\x7e]/g, "?"));
}
