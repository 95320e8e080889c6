/**
 * A copy of a capture that is safe to share: the MQTT CONNECT passwords (and,
 * optionally, client ids and user names, which name the device) are
 * overwritten in place with filler of the same length, so every sequence
 * number, length and frame stays exactly as captured.
 *
 * The password is only there because the protocol carries it (for the
 * Alibaba-style platform it is an HMAC that expires with its timestamp), but a
 * capture on a ticket or in a slide should not carry it at all.
 */
import { analyzeCapture } from "../analysis/analyze";
import type { AnalyzeOptions } from "../analysis/analyzer";
import type { MqttMessage } from "../analysis/types";
import type { CaptureInfo, Frame } from "../capture/frame";
import { readFrames } from "../capture/frames";
import type { CaptureSource } from "../capture/source";
import { encodePcap, encodePcapng } from "../capture/writer";
import { decodeIpv4 } from "../layers/ipv4";
import { decodeIpv6 } from "../layers/ipv6";
import { linkDecoders } from "../layers/link";
import { decodeTcp } from "../layers/tcp";

export interface RedactOptions extends Pick<AnalyzeOptions, "mqttPorts" | "tlsPorts"> {
  /** Also overwrite client ids and user names (they name the product and device). */
  identities?: boolean;
  /** Byte written over redacted fields (default "*"). */
  filler?: string;
}

export type RedactedField = "password" | "username" | "clientId";

export interface RedactionReport {
  format: CaptureInfo["format"];
  frames: number;
  redacted: Array<{ frame: number; stream: number; field: RedactedField; bytes: number }>;
  /** Fields that could not be overwritten, and why (the caller should not share the file then). */
  notRedacted: Array<{ frame: number; stream: number; field: RedactedField; reason: string }>;
}

export interface RedactedCapture {
  bytes: Buffer;
  report: RedactionReport;
}

export async function redactCapture(source: CaptureSource, options: RedactOptions = {}): Promise<RedactedCapture> {
  // Read everything first: a capture worth sharing is small, and the analysis
  // below must see the same bytes. Frames are copied so edits stay private.
  const bytes = typeof source === "string" || source instanceof Uint8Array || source instanceof ArrayBuffer ? source : await collect(source);
  let info: CaptureInfo | undefined;
  const frames: Frame[] = [];
  for await (const frame of readFrames(bytes, { onInfo: (i) => (info = i) })) frames.push({ ...frame, bytes: Uint8Array.from(frame.bytes) });
  if (!info) throw new Error("the capture has no header");
  const analysis = await analyzeCapture(bytes, { packets: false, mqttPorts: options.mqttPorts, tlsPorts: options.tlsPorts });
  const report: RedactionReport = { format: info.format, frames: frames.length, redacted: [], notRedacted: [] };
  const filler = (options.filler ?? "*").charCodeAt(0);
  for (const message of analysis.messages) {
    if (message.type !== "CONNECT") continue;
    const fields: Array<[RedactedField, Buffer | undefined]> = [["password", passwordBytes(message)]];
    if (options.identities) {
      fields.push(["username", message.username !== undefined ? Buffer.from(message.username, "utf8") : undefined]);
      fields.push(["clientId", message.clientId !== undefined && message.clientId !== "" ? Buffer.from(message.clientId, "utf8") : undefined]);
    }
    for (const [field, value] of fields) {
      if (!value || value.length === 0) continue;
      const where = { frame: message.frame, stream: message.stream, field };
      if (message.frames && message.frames.length > 1) {
        report.notRedacted.push({ ...where, reason: `the CONNECT spans frames ${message.frames.join(", ")}` });
        continue;
      }
      const frame = frames[message.frame - 1];
      const located = frame ? tcpPayload(frame) : undefined;
      if (!located) {
        report.notRedacted.push({ ...where, reason: "the frame's TCP payload could not be located" });
        continue;
      }
      // MQTT strings and binary data are prefixed by a two-byte length (3.1.1 §1.5.3): match both.
      const pattern = Buffer.concat([Buffer.from([value.length >> 8, value.length & 0xff]), value]);
      const payload = Buffer.from(frame.bytes.buffer, frame.bytes.byteOffset + located.start, located.end - located.start);
      const at = payload.lastIndexOf(pattern);
      if (at < 0) {
        report.notRedacted.push({ ...where, reason: "the field was not found in the frame (captured bytes cut short?)" });
        continue;
      }
      payload.fill(filler, at + 2, at + 2 + value.length);
      report.redacted.push({ ...where, bytes: value.length });
      if (located.fixChecksum) located.fixChecksum();
    }
  }
  const encoded = info.format === "pcap" ? encodePcap(info, frames) : encodePcapng(info, frames, "iot-wire-lab redact");
  return { bytes: encoded, report };
}

function passwordBytes(message: MqttMessage): Buffer | undefined {
  const password = message.password;
  if (password === undefined || password.startsWith("<redacted")) return undefined;
  return password.startsWith("0x") ? Buffer.from(password.slice(2), "hex") : Buffer.from(password, "utf8");
}

async function collect(stream: NodeJS.ReadableStream | AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

interface LocatedPayload {
  start: number;
  end: number;
  /** Recomputes the TCP checksum after an edit, when the captured one was correct. */
  fixChecksum?: () => void;
}

/** Where a frame's TCP payload is, decoded the same way the analysis does. */
function tcpPayload(frame: Frame): LocatedPayload | undefined {
  const decodeLink = linkDecoders[frame.linkType];
  if (!decodeLink) return undefined;
  const bytes = frame.bytes;
  const link = decodeLink(bytes);
  if (link.problem) return undefined;
  let tcpStart: number;
  let tcpEnd: number;
  let pseudo: Buffer;
  if (link.networkType === 0x0800) {
    const ip = decodeIpv4(bytes, link.payloadStart, link.payloadEnd);
    if (ip.problem || ip.protocol !== 6) return undefined;
    tcpStart = ip.payloadStart;
    tcpEnd = ip.payloadEnd;
    pseudo = Buffer.alloc(12);
    Buffer.from(bytes.buffer, bytes.byteOffset + link.payloadStart + 12, 8).copy(pseudo, 0);
    pseudo[9] = 6;
    pseudo.writeUInt16BE(ip.payloadLength, 10);
  } else if (link.networkType === 0x86dd) {
    const ip = decodeIpv6(bytes, link.payloadStart, link.payloadEnd);
    if (ip.problem || ip.protocol !== 6) return undefined;
    tcpStart = ip.payloadStart;
    tcpEnd = ip.payloadEnd;
    pseudo = Buffer.alloc(40);
    Buffer.from(bytes.buffer, bytes.byteOffset + ip.srcOffset, 32).copy(pseudo, 0);
    pseudo.writeUInt32BE(tcpEnd - tcpStart, 32);
    pseudo[39] = 6;
  } else {
    return undefined;
  }
  const tcp = decodeTcp(bytes, tcpStart, tcpEnd);
  if (tcp.problem) return undefined;
  const segment = Buffer.from(bytes.buffer, bytes.byteOffset + tcpStart, tcpEnd - tcpStart);
  const complete = frame.capturedLength === frame.originalLength;
  const checksumWasValid = complete && internetChecksum([pseudo, segment]) === 0;
  return {
    start: tcp.payloadStart,
    end: tcp.payloadEnd,
    fixChecksum: checksumWasValid
      ? () => {
          segment.writeUInt16BE(0, 16);
          segment.writeUInt16BE(internetChecksum([pseudo, segment]), 16);
        }
      : undefined,
  };
}

/** RFC 1071 one's-complement sum, over the concatenation of `parts`. */
function internetChecksum(parts: Buffer[]): number {
  let sum = 0;
  let odd = -1;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      if (odd < 0) odd = part[i];
      else {
        sum += (odd << 8) | part[i];
        odd = -1;
      }
    }
  }
  if (odd >= 0) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
