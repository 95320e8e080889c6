/** RFC 4180 CSV cells, with text cells guarded against formula injection (csvField). */

/**
 * A text cell. One that a spreadsheet would read as a formula (it starts with
 * `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as
 * OWASP's CSV-injection advice says: a topic or clientId such as
 * `=cmd|' /C calc'!A0` is data from the wire, never something to run.
 */
export function csvField(value: string): string {
  return csvQuoted(value.length > 0 && startsFormula(value.charCodeAt(0)) ? `'${value}` : value);
}

/** A number cell (a numeric column): quoted when RFC 4180 requires, never prefixed, so -1 stays a number. */
export function csvQuoted(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 34 || c === 44 || c === 10 || c === 13) return `"${value.replace(/"/g, '""')}"`;
  }
  return value;
}

/** = + - @ tab CR */
function startsFormula(c: number): boolean {
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13;
}
