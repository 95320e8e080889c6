/**
 * Raw bytes for the "by hand" moments: a hex dump laid out like Wireshark's
 * bytes pane.
 */
export interface HexDumpOptions {
  /** First byte to show (default 0). */
  start?: number;
  /** Byte after the last one to show (default: the end). */
  end?: number;
  /** Bytes per line (default 16, as Wireshark). */
  width?: number;
}

/**
 * `0000  00 00 00 00 00 00 00 00  00 00 00 00 08 00 45 00   ..............E.`:
 * offset, bytes in hex (a gap after each 8), and the printable ASCII.
 */
export function hexDump(bytes: Uint8Array, options: HexDumpOptions = {}): string {
  const width = Math.max(1, Math.floor(options.width ?? 16));
  const start = Math.max(0, options.start ?? 0);
  const end = Math.min(bytes.length, options.end ?? bytes.length);
  const lines: string[] = [];
  for (let line = start - (start % width); line < end; line += width) {
    let hex = "";
    let text = "";
    for (let i = 0; i < width; i++) {
      const at = line + i;
      if (i > 0) hex += i % 8 === 0 ? "  " : " ";
      if (at < start || at >= end) {
        hex += "  ";
        text += " ";
        continue;
      }
      const b = bytes[at]!;
      hex += b.toString(16).padStart(2, "0");
      text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
    }
    lines.push(`${line.toString(16).padStart(4, "0")}  ${hex}   ${text}`.trimEnd());
  }
  return lines.join("\n");
}
