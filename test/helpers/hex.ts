/** Bytes from a commented hex dump: everything after `#` on a line is ignored. */
export function hex(text: string): Uint8Array {
  const digits = text
    .split("\n")
    .map((line) => line.replace(/#.*$/, ""))
    .join("")
    .replace(/[^0-9a-fA-F]/g, "");
  if (digits.length % 2 !== 0) throw new Error(`odd number of hex digits (${digits.length})`);
  return Uint8Array.from(Buffer.from(digits, "hex"));
}
