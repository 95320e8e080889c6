/**
 * WebSocket frames (RFC 6455 §5.2):
 *
 *   FIN · RSV1 · RSV2 · RSV3 · opcode (4)   MASK · payload length (7)
 *   extended length (16 bits if 126, 64 bits if 127)
 *   masking key (4 bytes, if MASK)
 *   payload
 *
 * Opcodes (§5.2, §11.8): 0 continuation, 1 text, 2 binary, 8 close, 9 ping,
 * 10 pong. Control frames (opcode ≥ 8) are never fragmented and carry at most
 * 125 bytes (§5.5). RSV1 marks a compressed message under permessage-deflate
 * (RFC 7692 §6).
 */

export const Opcode = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

/** Wireshark's names for opcodes (`websocket.opcode`). */
export const opcodeLabels: Readonly<Record<number, string>> = {
  0x0: "Continuation",
  0x1: "Text",
  0x2: "Binary",
  0x8: "Connection Close",
  0x9: "Ping",
  0xa: "Pong",
};

export interface WebSocketFrameHeader {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  maskKey: Uint8Array | undefined;
  payloadLength: number;
  /** Header bytes: 2 to 14. */
  headerLength: number;
}

export type HeaderResult = { header: WebSocketFrameHeader; problem?: undefined; needMore?: undefined } | { needMore: true; header?: undefined; problem?: undefined } | { problem: string; header?: undefined; needMore?: undefined };

/** Largest payload length taken at face value (2^53 - 1: a JavaScript safe integer). */
const MAX_SAFE_LENGTH = Number.MAX_SAFE_INTEGER;

/** Decodes a frame header at `start`, or says that more bytes are needed, or why it is not a frame header. */
export function decodeFrameHeader(bytes: Uint8Array, start: number, end: number): HeaderResult {
  if (end - start < 2) return { needMore: true };
  const b0 = bytes[start];
  const b1 = bytes[start + 1];
  const opcode = b0 & 0x0f;
  const masked = (b1 & 0x80) !== 0;
  let payloadLength = b1 & 0x7f;
  let position = start + 2;
  if (payloadLength === 126) {
    if (end - position < 2) return { needMore: true };
    payloadLength = (bytes[position] << 8) | bytes[position + 1];
    position += 2;
  } else if (payloadLength === 127) {
    if (end - position < 8) return { needMore: true };
    // §5.2: the most significant bit must be 0.
    const high = ((bytes[position] << 24) | (bytes[position + 1] << 16) | (bytes[position + 2] << 8) | bytes[position + 3]) >>> 0;
    const low = ((bytes[position + 4] << 24) | (bytes[position + 5] << 16) | (bytes[position + 6] << 8) | bytes[position + 7]) >>> 0;
    if (high >= 0x80000000) return { problem: "a 64-bit payload length with its most significant bit set (RFC 6455 §5.2)" };
    payloadLength = high * 0x100000000 + low;
    if (payloadLength > MAX_SAFE_LENGTH) return { problem: `a payload length of ${payloadLength} bytes` };
    position += 8;
  }
  let maskKey: Uint8Array | undefined;
  if (masked) {
    if (end - position < 4) return { needMore: true };
    maskKey = Uint8Array.from(bytes.subarray(position, position + 4));
    position += 4;
  }
  if (!(opcode in opcodeLabels)) return { problem: `reserved opcode 0x${opcode.toString(16)} (RFC 6455 §5.2)` };
  const fin = (b0 & 0x80) !== 0;
  if (opcode >= 0x8 && (!fin || payloadLength > 125)) return { problem: `a control frame (${opcodeLabels[opcode]}) must be final and at most 125 bytes (RFC 6455 §5.5)` };
  return {
    header: { fin, rsv1: (b0 & 0x40) !== 0, rsv2: (b0 & 0x20) !== 0, rsv3: (b0 & 0x10) !== 0, opcode, masked, maskKey, payloadLength, headerLength: position - start },
  };
}

/** Unmasks in place (§5.3): octet i xor key[(offset + i) mod 4], where offset counts payload bytes already unmasked. */
export function unmask(bytes: Uint8Array, key: Uint8Array, offset: number): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] ^= key[(offset + i) & 3];
}

/** Wireshark's Info text for a frame: `WebSocket Binary [FIN] [MASKED]`. */
export function frameLabel(header: WebSocketFrameHeader): string {
  return `WebSocket ${opcodeLabels[header.opcode] ?? `Opcode ${header.opcode}`}${header.fin ? " [FIN]" : ""}${header.masked ? " [MASKED]" : ""}`;
}
