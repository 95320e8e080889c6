/**
 * Reading a CONNECT's header without decoding the packet: whether a stream's
 * first bytes are one (MQTT's heuristic, as Wireshark's heuristic MQTT
 * dissector), and which protocol level it asks for. Used where a whole
 * decode would be wasted: choosing a stream's protocol, and guessing a
 * stream's level on the reader thread.
 */

/** Does `bytes[start, end)` begin with an MQTT CONNECT (3.1.1 §3.1.2.1 protocol name)? */
export function looksLikeConnect(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start < 8 || bytes[start] !== 0x10) return false;
  let position = start + 1;
  for (let i = 0; i < 4; i++, position++) {
    if (position >= end) return false;
    if ((bytes[position] & 0x80) === 0) break;
  }
  position++;
  if (position + 8 > end) return false;
  const nameLength = (bytes[position] << 8) | bytes[position + 1];
  const name = String.fromCharCode(...bytes.subarray(position + 2, position + 2 + Math.min(nameLength, 6)));
  return (nameLength === 4 && name === "MQTT") || (nameLength === 6 && name === "MQIsdp");
}

/**
 * The protocol level byte of a CONNECT whose variable header starts at
 * `start` (MQTT §3.1.2.1–2: the protocol name, then the level), or undefined
 * when it is not there.
 */
export function connectLevel(bytes: Uint8Array, start: number, end: number): number | undefined {
  if (start + 2 > end) return undefined;
  const levelAt = start + 2 + ((bytes[start] << 8) | bytes[start + 1]);
  return levelAt < end ? bytes[levelAt] : undefined;
}
