/**
 * Internal helpers typed with vega-lite's own types. Nothing exported from
 * the package may mention these types in its signature (see ./spec for why):
 * builders check their specs against `TopLevelSpec` and return `ChartSpec`.
 */
import type { Config, TopLevelSpec } from "vega-lite" with { "resolution-mode": "import" };
import { CHART_FONT, CHART_WIDTH, VEGA_LITE_SCHEMA, type ChartSpec } from "./spec";

export type { Config, TopLevelSpec };

/** The config every chart starts from. */
export function baseConfig(): Config {
  return {
    font: CHART_FONT,
    background: "white",
    view: { stroke: null },
    title: { fontSize: 15, fontWeight: "bold", subtitleFontSize: 12, subtitleColor: "#555555", anchor: "start", offset: 12, subtitlePadding: 4 },
    axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal", titleColor: "#333333", labelColor: "#333333", gridColor: "#e8e8e8", domainColor: "#999999", tickColor: "#999999" },
    legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal", orient: "bottom", direction: "horizontal", columns: 5, columnPadding: 14, symbolType: "square" },
    text: { fontSize: 11 },
  };
}

/**
 * A chart title with an optional subtitle line (or lines), cut with "…" at
 * `width` pixels: vega sizes a chart to fit its title, so one long subtitle
 * (a clientId, a file name) would otherwise widen the whole chart.
 */
export function chartTitle(text: string, subtitle?: string | string[], width = CHART_WIDTH): { text: string; subtitle?: string | string[]; limit: number } {
  return subtitle === undefined || subtitle.length === 0 ? { text, limit: width } : { text, subtitle, limit: width };
}

/**
 * Size the whole chart, axis labels included, to the given width (vega-lite
 * "fit"), so a chart is as wide as asked whatever its labels. Single and
 * layered views only: concatenated views size each part instead.
 */
export const fitWidth = { type: "fit-x", contains: "padding" } as const;

/** Hands a checked spec out as the public JSON type. */
export function toChartSpec(spec: TopLevelSpec): ChartSpec {
  return spec as unknown as ChartSpec;
}

/**
 * A chart with nothing to show but a sentence: a builder returns it rather
 * than an empty plot (or an exception) when the capture has nothing to draw.
 */
export function emptyChart(title: string, message: string, width = CHART_WIDTH): ChartSpec {
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    description: `${title}: ${message}`,
    title: chartTitle(title, undefined, width),
    width,
    autosize: fitWidth,
    height: 60,
    config: baseConfig(),
    data: { values: [{ message }] },
    mark: { type: "text", fontSize: 13, color: "#666666", align: "center", baseline: "middle" },
    encoding: { text: { field: "message", type: "nominal" } },
  };
  return toChartSpec(spec);
}

/** A tooltip entry (vega-lite StringFieldDef, reduced to what the charts use). */
export interface TooltipField {
  field: string;
  type: "quantitative" | "nominal" | "ordinal";
  title: string;
  format?: string;
}

/** Tooltip entries from [field, title] pairs; numbers are quantitative when `numeric` lists them. */
export function tooltip(fields: ReadonlyArray<readonly [field: string, title: string, format?: string]>, numeric: readonly string[] = []): TooltipField[] {
  return fields.map(([field, title, format]) => {
    const entry: TooltipField = { field, title, type: numeric.includes(field) ? "quantitative" : "nominal" };
    if (format !== undefined) entry.format = format;
    return entry;
  });
}
