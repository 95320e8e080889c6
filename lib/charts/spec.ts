/**
 * The type the chart builders return, and the pieces every chart shares
 * (schema URL, font, title style, size).
 *
 * Why `ChartSpec` is our own loose type rather than vega-lite's `TopLevelSpec`:
 * vega-lite 6 is an ES module whose package.json has only an `exports` map.
 * From this CommonJS (module node16) build, a type import of it must carry a
 * `resolution-mode` attribute (TS 5.3+ syntax), and tslab's TypeScript 5.0
 * resolves with Node10 rules, which ignore `exports` and so cannot find
 * "vega-lite" at all. Either way the public .d.ts would break inside
 * notebooks. So the builders check their specs against `TopLevelSpec` inside
 * their bodies (./common, which no public declaration imports) and return
 * `ChartSpec`. A notebook that wants full checking can cast to the type from
 * `import type { TopLevelSpec } from "vega-lite/build/index"` (a path Node10
 * resolution finds).
 *
 * Keep this module free of vega-lite types: it is part of the public .d.ts.
 */

/** A vega-lite specification as plain JSON (see the module comment for why it is loose). */
export interface ChartSpec {
  /** The vega-lite schema URL (v6 as built; `show` rewrites it to v5 for Jupyter). */
  $schema: string;
  /** One line saying what the chart shows; `show` uses it as the text/plain form. */
  description: string;
  [key: string]: unknown;
}

/** The schema of the vega-lite the builders are written against. */
export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/**
 * Fonts present on Debian (fonts-dejavu-core is a dependency of chromium and
 * of most desktops), so headless SVGs measure and look the same everywhere.
 */
export const CHART_FONT = "DejaVu Sans, Verdana, sans-serif";

/** Default plot width: fits a notebook output area (about 800 px) with axis labels. */
export const CHART_WIDTH = 700;

/**
 * Rows of every inline dataset in a vega-lite spec (top level, layers,
 * concatenations): what a chart hands the renderer, so what stays small when
 * a builder bins or caps a big capture.
 */
export function chartDataRows(spec: unknown): number {
  let rows = 0;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (typeof node !== "object" || node === null) return;
    const record = node as Record<string, unknown>;
    const data = record.data as { values?: unknown } | undefined;
    if (data && Array.isArray(data.values)) rows += data.values.length;
    for (const key of ["layer", "hconcat", "vconcat", "concat", "spec"]) if (key in record) visit(record[key]);
  };
  visit(spec);
  return rows;
}
