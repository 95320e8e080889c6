/**
 * The HTTP/1.1 opening handshake of a WebSocket (RFC 6455 §4.1–4.2):
 *
 *   GET /mqtt HTTP/1.1                      HTTP/1.1 101 Switching Protocols
 *   Host: …                                 Upgrade: websocket
 *   Upgrade: websocket                      Connection: Upgrade
 *   Connection: Upgrade                     Sec-WebSocket-Accept: …
 *   Sec-WebSocket-Key: …                    Sec-WebSocket-Protocol: mqtt
 *   Sec-WebSocket-Version: 13
 *   Sec-WebSocket-Protocol: mqtt            (RFC 6455 §11.3.4; MQTT 5 §6 asks for "mqtt")
 *
 * A message head is read up to its blank line; header names are matched
 * case-insensitively (RFC 9110 §5.1). Pure functions over bytes.
 */

/** Longest request or response head read before giving up (a real upgrade is a few hundred bytes). */
export const MAX_HTTP_HEAD = 16 * 1024;

export interface HttpHead {
  /** Bytes of the head, blank line included. */
  length: number;
  /** Request: method, target and version; response: version, status and reason. */
  startLine: string;
  headers: Map<string, string>;
}

export interface UpgradeRequest extends HttpHead {
  method: string;
  path: string;
}

export interface UpgradeResponse extends HttpHead {
  status: number;
  reason: string;
}

/**
 * Finds a complete head at the start of `bytes`: its length, or 0 while the
 * blank line has not arrived, or -1 when the bytes cannot be an HTTP head
 * (no blank line within MAX_HTTP_HEAD, or a control byte in it).
 */
export function headLength(bytes: Uint8Array, start: number, end: number): number {
  const limit = Math.min(end, start + MAX_HTTP_HEAD);
  for (let i = start; i < limit; i++) {
    const b = bytes[i];
    if (b === 0x0a && i >= start + 3 && bytes[i - 1] === 0x0d && bytes[i - 2] === 0x0a && bytes[i - 3] === 0x0d) return i + 1 - start;
    if (b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f) return -1;
  }
  return end - start >= MAX_HTTP_HEAD ? -1 : 0;
}

function parseHead(bytes: Uint8Array, start: number, length: number): HttpHead {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, length).toString("latin1");
  const lines = text.split("\r\n");
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    // Repeated fields combine with commas (RFC 9110 §5.3).
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  return { length, startLine: lines[0], headers };
}

/** A WebSocket upgrade request, or undefined when the head is another request. */
export function parseUpgradeRequest(bytes: Uint8Array, start: number, length: number): UpgradeRequest | undefined {
  const head = parseHead(bytes, start, length);
  const match = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(head.startLine);
  if (!match) return undefined;
  if (!/\bwebsocket\b/i.test(head.headers.get("upgrade") ?? "")) return undefined;
  return { ...head, method: match[1], path: match[2] };
}

export function parseUpgradeResponse(bytes: Uint8Array, start: number, length: number): UpgradeResponse | undefined {
  const head = parseHead(bytes, start, length);
  const match = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(head.startLine);
  if (!match) return undefined;
  return { ...head, status: Number(match[1]), reason: match[2] ?? "" };
}

/** Does this stream start like an HTTP request that asks for a WebSocket? (A heuristic for any port.) */
export function looksLikeUpgradeRequest(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start < 4 || bytes[start] !== 0x47 || bytes[start + 1] !== 0x45 || bytes[start + 2] !== 0x54 || bytes[start + 3] !== 0x20) return false; // "GET "
  const sample = Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.min(end - start, MAX_HTTP_HEAD)).toString("latin1");
  return /\r\nupgrade:\s*websocket/i.test(sample);
}

/** permessage-deflate parameters agreed in the response (RFC 7692 §7.1). */
export interface DeflateParameters {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

export function negotiatedDeflate(response: UpgradeResponse): DeflateParameters | undefined {
  const header = response.headers.get("sec-websocket-extensions");
  if (!header) return undefined;
  for (const offer of header.split(",")) {
    const [name, ...params] = offer.split(";").map((p) => p.trim());
    if (name.toLowerCase() !== "permessage-deflate") continue;
    const result: DeflateParameters = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
    for (const param of params) {
      const [key, raw] = param.split("=").map((p) => p.trim().replace(/^"|"$/g, ""));
      switch (key.toLowerCase()) {
        case "server_no_context_takeover":
          result.serverNoContextTakeover = true;
          break;
        case "client_no_context_takeover":
          result.clientNoContextTakeover = true;
          break;
        case "server_max_window_bits":
          if (raw) result.serverMaxWindowBits = Number(raw);
          break;
        case "client_max_window_bits":
          if (raw) result.clientMaxWindowBits = Number(raw);
          break;
        default:
          break;
      }
    }
    return result;
  }
  return undefined;
}
