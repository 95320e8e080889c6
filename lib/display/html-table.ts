/**
 * Rows as an HTML table, with the CLI's column definitions: used by
 * `showTable` in notebooks and by the HTML report. Cells are escaped (packet
 * Info and topics come from the wire and may hold any text), rows are tinted
 * with their phase's colour (or an issue's severity colour), and long tables
 * are cut with a note saying how many rows were left out.
 *
 * The classic Notebook shows an untrusted notebook's HTML through a sanitizer
 * that drops every <style> block and style attribute, and its own stylesheet
 * right-aligns every cell and lets cells grow as wide as their text. So the
 * markup itself keeps the table readable there: text cells hold a
 * `<div align="left">` (a presentational hint on the div beats the alignment
 * it would inherit), long values are shortened (the whole value in the
 * cell's title) and can break at <wbr> inside long words (topics, JSON, hex).
 */
import type { Issue } from "../expert/issues";
import { phaseKinds, type PhaseKind } from "../analysis/types";
import { phaseColors, tint } from "../charts/palette";
import type { Column } from "../output/columns";
import { deviceLogPhases } from "./columns";
import { escapeHtml } from "./html";

export interface HtmlTableOptions<T> {
  /** Show at most this many rows (default 200). */
  maxRows?: number;
  /** The colour that marks a row (default: its phase's colour, or its severity's for issues). */
  rowColor?: (row: T) => string | undefined;
  /** A caption above the table. */
  caption?: string;
  /** Include the table's <style> block (default true; the report has the rules in its own stylesheet). */
  style?: boolean;
}

/** Colours of Wireshark's expert-info severities (Error red, Warning yellow, Note cyan, Chat blue), darkened for text contrast. */
export const severityColors: Readonly<Record<Issue["severity"], string>> = {
  error: "#d64541",
  warning: "#e0a800",
  note: "#2aa7c0",
  chat: "#6f8fb8",
};

const phaseSet = new Set<string>(phaseKinds);

/**
 * A row's colour from its own fields: `phase` (packets), `kind` (phases),
 * `event` (device log), `severity` (issues). Undefined when none applies.
 */
export function defaultRowColor(row: unknown): string | undefined {
  if (typeof row !== "object" || row === null) return undefined;
  const r = row as Record<string, unknown>;
  if (typeof r.phase === "string" && phaseSet.has(r.phase)) return phaseColors[r.phase as PhaseKind];
  if (typeof r.kind === "string" && phaseSet.has(r.kind) && Array.isArray(r.steps)) return phaseColors[r.kind as PhaseKind];
  if (typeof r.event === "string" && r.event in deviceLogPhases && typeof r.timeMs === "number") return phaseColors[deviceLogPhases[r.event as keyof typeof deviceLogPhases]];
  if (typeof r.severity === "string" && r.severity in severityColors && typeof r.code === "string") return severityColors[r.severity as Issue["severity"]];
  return undefined;
}

/** The stylesheet of the tables (class `iwl-table`). */
export const tableCss = `
.iwl-table { max-width: 100%; overflow-x: auto; }
.iwl-table table { border-collapse: collapse; font-size: 12px; line-height: 1.35; font-family: "DejaVu Sans", Verdana, sans-serif; }
.iwl-table caption { text-align: left; font-weight: bold; padding: 4px 0; }
.iwl-table th, .iwl-table td { text-align: left; }
.iwl-table th { border-bottom: 2px solid #c8ccd1; padding: 3px 8px; white-space: nowrap; background: #f4f5f7; position: sticky; top: 0; }
.iwl-table td { padding: 2px 8px; border-bottom: 1px solid #eceef0; white-space: nowrap; vertical-align: top; }
.iwl-table td:last-child:not(.num) { white-space: normal; min-width: 16em; }
.iwl-table .num { text-align: right; font-variant-numeric: tabular-nums; }
.iwl-table td.mark { border-left: 4px solid transparent; padding-left: 6px; }
.iwl-table .note { color: #555; font-style: italic; margin: 4px 0; }
`.trim();

/** Text cells longer than this are shortened, with the whole value in the cell's title. */
export const LONG_CELL = 100;

/** A word longer than this gets break opportunities, after separators and inside long runs. */
const LONG_WORD = 24;

/** Escaped text where long words may break: <wbr> after / , ; & = : and every LONG_WORD characters of a run. */
export function breakableHtml(text: string): string {
  return text
    .split(/(\s+)/)
    .map((word) => {
      if (word.length <= LONG_WORD) return escapeHtml(word);
      const pieces = word.split(/(?<=[/,;&=:])/).flatMap((piece) => piece.match(new RegExp(`.{1,${LONG_WORD}}`, "gsu")) ?? []);
      return pieces.map(escapeHtml).join("<wbr>");
    })
    .join("");
}

/** A text cell's content: left-aligned by markup, shortened past LONG_CELL characters. */
function textCell(text: string): { html: string; title?: string } {
  const chars = [...text];
  const shortened = chars.length > LONG_CELL ? chars.slice(0, LONG_CELL - 1).join("") + "…" : text;
  return { html: `<div align="left">${breakableHtml(shortened)}</div>`, title: shortened === text ? undefined : text };
}

export function renderHtmlTable<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>, options: HtmlTableOptions<T> = {}): string {
  const maxRows = Math.max(0, Math.floor(options.maxRows ?? 200));
  const colorOf = options.rowColor ?? defaultRowColor;
  const shown = rows.length > maxRows ? rows.slice(0, maxRows) : rows;
  const out: string[] = [];
  if (options.style ?? true) out.push(`<style>${tableCss}</style>`);
  out.push('<div class="iwl-table"><table>');
  if (options.caption) out.push(`<caption>${escapeHtml(options.caption)}</caption>`);
  out.push("<thead><tr>");
  for (const c of columns) {
    const title = c.field ? ` title="${escapeHtml(c.field)}"` : "";
    const header = c.numeric ? escapeHtml(c.header) : `<div align="left">${escapeHtml(c.header)}</div>`;
    out.push(`<th${c.numeric ? ' class="num"' : ""}${title}>${header}</th>`);
  }
  out.push("</tr></thead><tbody>");
  for (const row of shown) {
    const color = colorOf(row);
    out.push(color ? `<tr style="background:${tint(color, 0.1)}">` : "<tr>");
    columns.forEach((c, i) => {
      const classes = [c.numeric ? "num" : "", i === 0 ? "mark" : ""].filter(Boolean).join(" ");
      const style = i === 0 && color ? ` style="border-left-color:${color}"` : "";
      const text = c.text(row);
      const cell = c.numeric ? { html: escapeHtml(text), title: undefined } : textCell(text);
      const title = cell.title === undefined ? "" : ` title="${escapeHtml(cell.title)}"`;
      out.push(`<td${classes ? ` class="${classes}"` : ""}${style}${title}>${cell.html}</td>`);
    });
    out.push("</tr>");
  }
  out.push("</tbody></table>");
  if (rows.length > shown.length) out.push(`<p class="note">Showing the first ${shown.length.toLocaleString("en-US")} of ${rows.length.toLocaleString("en-US")} rows.</p>`);
  out.push("</div>");
  return out.join("");
}
