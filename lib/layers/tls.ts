/**
 * TLS record-layer code points (RFC 8446 §5.1, RFC 5246 §6.2) and handshake
 * message labels as Wireshark's Info column writes them, shared by the TLS
 * session (tls/session.ts), which frames, labels and decrypts the records.
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
