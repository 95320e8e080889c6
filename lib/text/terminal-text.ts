/**
 * Text from the wire, made harmless for a terminal.
 *
 * A clientId, username, topic or refusal reason is whatever a peer sent. Raw,
 * an ESC (0x1b) in it starts a terminal control sequence: it can retitle the
 * window, clear the screen, or (with CR/LF) forge a row of the log being
 * followed. Like tshark's Info column, every control character (C0, DEL and
 * the C1 range U+0080–U+009F) is shown as a C-style escape — `\n`, `\r`, `\t`,
 * `\a`, `\b`, `\v`, `\f`, otherwise `\xHH` (C1: `\u00HH`) — and printable
 * Unicode is kept as it is.
 *
 * Every terminal writer goes through terminalText(): the text table, the
 * packet list's byte writer, the platform's device-log lines, the device list,
 * the tutorial's printouts. It returns its argument untouched (no copy) when
 * there is nothing to escape, which is one regular-expression test.
 */

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

const NAMED: Record<number, string> = { 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r" };

function escapeControl(char: string): string {
  const code = char.charCodeAt(0);
  const hex = code.toString(16).padStart(2, "0");
  return NAMED[code] ?? (code < 0x80 ? `\\x${hex}` : `\\u00${hex}`);
}

/** Does `text` hold a control character (C0, DEL or C1)? */
export function hasControlCharacter(text: string): boolean {
  return CONTROL.test(text);
}

/** `text` with its control characters written as C-style escapes (itself when it has none). */
export function terminalText(text: string): string {
  return CONTROL.test(text) ? text.replace(CONTROLS, escapeControl) : text;
}
