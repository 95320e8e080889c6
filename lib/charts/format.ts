/** Small helpers the chart builders share: time units, label shortening, quantiles. */
import type { Analysis, ConnectionSummary } from "../analysis/types";
import { textWidth } from "./text-metrics";

export interface TimeScale {
  /** Axis unit. */
  unit: "µs" | "ms" | "s";
  /** Multiply seconds by this to get `unit`. */
  factor: number;
}

/**
 * The unit that shows a span of seconds with readable numbers: a 0.5 ms
 * loopback exchange in µs, a 300 ms one in ms, a minute-long session in s.
 */
export function timeScaleFor(spanSeconds: number): TimeScale {
  const span = Math.abs(spanSeconds);
  if (!(span >= 2e-3)) return { unit: "µs", factor: 1e6 };
  if (span < 2) return { unit: "ms", factor: 1e3 };
  return { unit: "s", factor: 1 };
}

/** Rounds for chart data: keeps specs small without visible loss (6 significant digits). */
export function round6(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(6)) : value;
}

/**
 * The Info text made to fit on an arrow: TCP timestamp options (TSval/TSecr)
 * carry nothing a reader needs there, then anything still too long is cut
 * with an ellipsis. The full text stays in the tooltip.
 */
export function shortenInfo(info: string, maxLength: number): string {
  let text = info.replace(/ TSval=\d+ TSecr=\d+/, "").replace(/\s+/g, " ").trim();
  if (text.length > maxLength) text = `${text.slice(0, Math.max(1, maxLength - 1)).trimEnd()}…`;
  return text;
}

/**
 * "stream 3 · sensor-01" (the clientId when the CONNECT was captured). The
 * platform's clientIds carry login parameters after the device's id,
 * `<id>|securemode=3,signmethod=hmacsha1,timestamp=…|` (../device/client-id.ts):
 * a label keeps the id.
 */
export function connectionLabel(stream: number, connection: ConnectionSummary | undefined): string {
  const id = connection?.mqtt?.clientId?.split("|")[0];
  return id ? `stream ${stream} · ${id}` : `stream ${stream}`;
}

/** The first connection that carries MQTT, else the first connection, else undefined. */
export function firstMqttStream(analysis: Analysis): number | undefined {
  const mqtt = analysis.connections.find((c) => c.protocol === "MQTT" || c.mqtt !== undefined);
  return (mqtt ?? analysis.connections[0])?.stream;
}

/** Quantile of sorted values (nearest rank, as PhaseStats does). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * sorted.length)))];
}

/** "1,234,567" */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/**
 * The end of a zero-based x axis that leaves room, right of each row's
 * value, for that row's text label (widths from the fonts' metrics).
 * `plotWidth` is the width of the plotting area in pixels.
 */
export function domainWithLabels(rows: ReadonlyArray<{ at: number; label: string }>, plotWidth: number, fontSize = 11, gap = 8): number {
  let end = 0;
  for (const { at, label } of rows) {
    const room = plotWidth - gap - textWidth({ fontSize }, label) - 4;
    // A label wider than most of the plot: give its row a fifth of the width.
    const usable = Math.max(plotWidth * 0.2, room);
    end = Math.max(end, (at * plotWidth) / usable);
  }
  return end > 0 ? end : 1;
}

/** Width of the widest label, for sizing an axis. */
export function widestLabel(labels: Iterable<string>, fontSize = 11): number {
  let widest = 0;
  for (const label of labels) widest = Math.max(widest, textWidth({ fontSize }, label));
  return widest;
}
