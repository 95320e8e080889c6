/**
 * Showing charts and tables in a tslab notebook.
 *
 * `await show(spec)` sends one display bundle with three forms of the chart,
 * and each frontend picks the richest it can draw:
 *
 * - `application/vnd.vegalite.v5+json`: the spec, with `$schema` set to v5.
 *   JupyterLab 4 and VS Code draw it interactively (tooltips); they have no
 *   renderer for the v6 MIME type.
 * - `image/png`: the chart rendered here, headless (vega → SVG → resvg), at
 *   2× and shown at the SVG's size (Jupyter's width/height metadata). An
 *   image is shown everywhere, trusted or not: the classic Notebook (which
 *   refuses SVG and vega-lite from an untrusted notebook), nbconvert's HTML
 *   and PDF, GitHub, nbviewer, slides.
 * - `text/plain`: one line saying what the chart shows.
 *
 * The SVG itself is not sent: nbconvert ranks `image/svg+xml` above
 * `image/png`, and Debian's nbconvert 6.5 strips every drawing element from
 * it (its clean_html filter), so a bundle carrying both prints empty boxes.
 * The SVG is kept where it works: the HTML report and `renderSvg`.
 *
 * Outside a kernel (a script, a test) nothing is sent: `show` prints the
 * text/plain line and returns the bundle.
 */
import { packetColumns, phaseColumns, messageColumns, type Column } from "../output/columns";
import { renderTextTable } from "../output/text-table";
import { connectionColumns, deviceLogColumns, issueColumns } from "./columns";
import { renderHtmlTable, type HtmlTableOptions } from "./html-table";
import { kernelDisplayWriter, type DisplayWriter } from "./kernel";
import { renderPng, renderSvg, toVegaLiteV5 } from "./render";

export const VEGA_LITE_V5_MIME = "application/vnd.vegalite.v5+json";

/** A Jupyter display bundle: MIME type → content, and per-type metadata. */
export interface DisplayBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface ShowOptions {
  /** Outside a kernel, print the text/plain form (default true). */
  print?: boolean;
}

/** One line for text/plain: the spec's description, else its title. */
export function describeSpec(spec: object): string {
  const s = spec as { description?: unknown; title?: unknown };
  let text = typeof s.description === "string" ? s.description : "";
  if (!text) {
    const title = s.title;
    if (typeof title === "string") text = title;
    else if (typeof title === "object" && title !== null && typeof (title as { text?: unknown }).text === "string") text = (title as { text: string }).text;
  }
  return (text || "vega-lite chart").replace(/\s+/g, " ").trim();
}

/** The bundle `show` sends for a vega-lite spec (renders the SVG, then the PNG from it). */
export async function chartBundle(spec: object): Promise<DisplayBundle> {
  const png = await renderPng(await renderSvg(spec), { scale: 2 });
  return {
    data: {
      [VEGA_LITE_V5_MIME]: toVegaLiteV5(spec),
      "image/png": png.png.toString("base64"),
      "text/plain": describeSpec(spec),
    },
    // Jupyter's image metadata: show the 2× PNG at the SVG's size.
    metadata: { "image/png": { width: png.displayWidth, height: png.displayHeight } },
  };
}

function emit(bundle: DisplayBundle, writer: DisplayWriter | undefined, options: ShowOptions): DisplayBundle | undefined {
  if (writer) {
    writer({ data: bundle.data, metadata: bundle.metadata, transient: {} }, false);
    // Nothing to return: tslab would print a returned value under the chart.
    return undefined;
  }
  if (options.print ?? true) console.log(String(bundle.data["text/plain"]));
  return bundle;
}

/**
 * Displays a vega-lite spec (from the chart builders, or written by hand) in
 * the notebook. Returns undefined in a kernel and the bundle elsewhere.
 */
export async function show(spec: object, options: ShowOptions = {}): Promise<DisplayBundle | undefined> {
  // Read the writer before awaiting: tslab binds it to the cell being run, so
  // a chart that takes a while to render still lands in the cell that asked.
  const writer = kernelDisplayWriter();
  return emit(await chartBundle(spec), writer, options);
}

export interface TableOptions<T> extends HtmlTableOptions<T> {
  /** Outside a kernel, print the text/plain form (default true). */
  print?: boolean;
}

/**
 * The columns for a kind of row, recognised by its fields: packets, phases,
 * MQTT messages, connections, issues, device-log entries; anything else gets
 * one column per field of the first row.
 */
export function columnsFor(row: unknown): ReadonlyArray<Column<never>> {
  if (typeof row !== "object" || row === null) return [{ header: "value", text: (v: unknown) => String(v) }];
  const has = (...keys: string[]) => keys.every((k) => k in row);
  if (has("relativeTime", "info", "frame")) return packetColumns as ReadonlyArray<Column<never>>;
  if (has("kind", "steps", "clientToServer")) return phaseColumns as ReadonlyArray<Column<never>>;
  if (has("type", "headerLength", "direction")) return messageColumns as ReadonlyArray<Column<never>>;
  if (has("code", "severity", "message")) return issueColumns as ReadonlyArray<Column<never>>;
  if (has("event", "timeMs", "seq")) return deviceLogColumns as ReadonlyArray<Column<never>>;
  if (has("clientPort", "serverPort", "stream")) return connectionColumns as ReadonlyArray<Column<never>>;
  return Object.keys(row).map((key) => ({
    header: key,
    numeric: typeof (row as Record<string, unknown>)[key] === "number",
    text: (r: never) => {
      const value = (r as Record<string, unknown>)[key];
      return value === undefined || value === null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
    },
  }));
}

/** The bundle `showTable` sends: HTML, and a text table for text-only frontends. */
export function tableBundle<T>(rows: readonly T[], columns?: ReadonlyArray<Column<T>>, options: HtmlTableOptions<T> = {}): DisplayBundle {
  const cols = columns ?? (columnsFor(rows[0]) as ReadonlyArray<Column<T>>);
  const maxRows = Math.max(0, Math.floor(options.maxRows ?? 200));
  const shown = rows.length > maxRows ? rows.slice(0, maxRows) : rows;
  let text = rows.length === 0 ? "(no rows)" : renderTextTable(shown, cols);
  if (rows.length > shown.length) text += `\n(showing the first ${shown.length} of ${rows.length} rows)`;
  return { data: { "text/html": renderHtmlTable(rows, cols, { ...options, maxRows }), "text/plain": text }, metadata: {} };
}

/**
 * Displays rows (packets, phases, messages, connections, issues, device-log
 * entries) as a table, with the CLI's columns unless others are given.
 * Returns undefined in a kernel and the bundle elsewhere.
 */
export function showTable<T>(rows: readonly T[], columns?: ReadonlyArray<Column<T>>, options: TableOptions<T> = {}): DisplayBundle | undefined {
  return emit(tableBundle(rows, columns, options), kernelDisplayWriter(), { print: options.print });
}
