/**
 * TLS code points and their labels, as Wireshark's TLS dissector writes them
 * (RFC 8446 §B.3, RFC 5246 §7.4).
 */

/** ContentType (RFC 8446 §5.1): the record layer's table (layers/tls.ts), one list for both. */
export { TlsContentType as ContentType } from "../layers/tls";

/** HandshakeType (RFC 8446 §B.3, RFC 5246 §7.4). */
export const HandshakeType = {
  clientHello: 1,
  serverHello: 2,
  newSessionTicket: 4,
  endOfEarlyData: 5,
  encryptedExtensions: 8,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  certificateVerify: 15,
  clientKeyExchange: 16,
  finished: 20,
  keyUpdate: 24,
} as const;

/** Handshake message labels: the record layer's table (layers/tls.ts), one list for both. */
export { handshakeTypeNames as handshakeTypeLabels } from "../layers/tls";

/** AlertDescription (RFC 8446 §6), labelled as Wireshark's `tls.alert_message.desc`. */
export const alertDescriptionLabels: Readonly<Record<number, string>> = {
  0: "Close Notify",
  10: "Unexpected Message",
  20: "Bad Record MAC",
  21: "Decryption Failed",
  22: "Record Overflow",
  40: "Handshake Failure",
  42: "Bad Certificate",
  43: "Unsupported Certificate",
  44: "Certificate Revoked",
  45: "Certificate Expired",
  46: "Certificate Unknown",
  47: "Illegal Parameter",
  48: "Unknown CA",
  49: "Access Denied",
  50: "Decode Error",
  51: "Decrypt Error",
  70: "Protocol Version",
  71: "Insufficient Security",
  80: "Internal Error",
  86: "Inappropriate Fallback",
  90: "User Canceled",
  100: "No Renegotiation",
  109: "Missing Extension",
  110: "Unsupported Extension",
  112: "Unrecognized Name",
  113: "Bad Certificate Status Response",
  115: "Unknown PSK Identity",
  116: "Certificate Required",
  120: "No Application Protocol",
};

export function alertDescriptionLabel(code: number): string {
  return alertDescriptionLabels[code] ?? `Unknown (${code})`;
}

/** AlertLevel (RFC 5246 §7.2): 1 warning, 2 fatal. */
export function alertLevelLabel(level: number): string {
  return level === 1 ? "Warning" : level === 2 ? "Fatal" : `Unknown (${level})`;
}

/** Longest legal protected record body: 2^14 + 256 (RFC 8446 §5.2); TLS 1.2 allows 2^14 + 2048 (RFC 5246 §6.2.3). The record layer's bound (layers/tls.ts). */
export { MAX_RECORD_BODY } from "../layers/tls";

/** The record header: type (1) · legacy version (2) · length (2). */
export const RECORD_HEADER_LENGTH = 5;
