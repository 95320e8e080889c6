/**
 * Response times per phase, as seen at the capture point: TCP handshake
 * (SYN → ACK, tcp.analysis.initial_rtt), TLS handshake (ClientHello → the
 * server's Finished), WebSocket Upgrade (GET → 101), CONNECT → CONNACK, SUBSCRIBE →
 * SUBACK, UNSUBSCRIBE → UNSUBACK, PUBLISH → PUBACK (QoS 1) or → PUBCOMP
 * (QoS 2, the four-packet chain), PINGREQ → PINGRESP.
 *
 * - Few measurements (one device): each one as a dot, a light bar to the
 *   median, and the median written at the end of the row.
 * - Many (a fleet): a box plot per row computed here (5th, 25th, 50th, 75th,
 *   95th percentiles), so the spec holds a handful of numbers per row
 *   whatever the number of phases.
 */
import { formatDuration } from "../analysis/format";
import type { Analysis, Phase, PhaseKind } from "../analysis/types";
import { baseConfig, chartTitle, emptyChart, fitWidth, toChartSpec, tooltip, type TopLevelSpec } from "./common";
import { domainWithLabels, formatCount, quantile, round6, timeScaleFor, widestLabel } from "./format";
import { phaseColorScale } from "./palette";
import { CHART_WIDTH, VEGA_LITE_SCHEMA, type ChartSpec } from "./spec";

export interface LatencyChartOptions {
  /** Only this connection (tcp.stream). */
  stream?: number;
  /**
   * "points": every measurement; "distribution": box plots; "auto" (default):
   * points up to `maxPoints` measurements, distribution beyond.
   */
  mode?: "auto" | "points" | "distribution";
  /** Default 300. */
  maxPoints?: number;
  /** Plot width in pixels (default 700). */
  width?: number;
}

interface Category {
  key: string;
  kind: PhaseKind;
  label: string;
}

/** The request → response each row measures, in protocol order. */
function categoryOf(phase: Phase): Category | undefined {
  switch (phase.kind) {
    case "tcp-handshake":
      return { key: "tcp-handshake", kind: phase.kind, label: "TCP handshake (SYN → ACK)" };
    case "tls-handshake":
      // RFC 8446 §2: the client can send application data once it has the server's Finished.
      return { key: "tls-handshake", kind: phase.kind, label: "TLS handshake (ClientHello → server Finished)" };
    case "ws-handshake":
      // RFC 6455 §4.1: MQTT may flow once the server has answered 101.
      return { key: "ws-handshake", kind: phase.kind, label: "WebSocket Upgrade (GET → 101)" };
    case "connect":
      return { key: "connect", kind: phase.kind, label: "CONNECT → CONNACK" };
    case "auth":
      return { key: "auth", kind: phase.kind, label: "AUTH → AUTH" };
    case "subscribe":
      return { key: "subscribe", kind: phase.kind, label: "SUBSCRIBE → SUBACK" };
    case "unsubscribe":
      return { key: "unsubscribe", kind: phase.kind, label: "UNSUBSCRIBE → UNSUBACK" };
    case "publish": {
      const qos = phase.qos ?? 0;
      // QoS 0 has no response: nothing to measure.
      if (qos === 0) return undefined;
      const from = phase.direction === "server->client" ? "platform" : "device";
      const chain = qos === 2 ? "PUBLISH → PUBCOMP" : "PUBLISH → PUBACK";
      return { key: `publish-${qos}-${from}`, kind: phase.kind, label: `${chain} (QoS ${qos}, ${from})` };
    }
    case "ping":
      return { key: "ping", kind: phase.kind, label: "PINGREQ → PINGRESP" };
    default:
      return undefined;
  }
}

const categoryOrder = ["tcp-handshake", "tls-handshake", "ws-handshake", "connect", "auth", "subscribe", "unsubscribe", "publish-1-device", "publish-2-device", "publish-1-platform", "publish-2-platform", "ping"];

const ROW_HEIGHT = 34;

export function latencyChart(analysis: Analysis, options: LatencyChartOptions = {}): ChartSpec {
  const width = options.width ?? CHART_WIDTH;
  const title = options.stream !== undefined ? `Response times of tcp.stream ${options.stream}` : "Response times per phase";
  const groups = new Map<string, { category: Category; values: number[] }>();
  let count = 0;
  for (const phase of analysis.phases) {
    if (options.stream !== undefined && phase.stream !== options.stream) continue;
    if (phase.status !== "complete" || phase.latency === undefined || !Number.isFinite(phase.latency)) continue;
    const category = categoryOf(phase);
    if (!category) continue;
    let group = groups.get(category.key);
    if (!group) {
      group = { category, values: [] };
      groups.set(category.key, group);
    }
    group.values.push(phase.latency);
    count++;
  }
  if (count === 0) return emptyChart(title, "no completed request/response phases to time", width);
  const ordered = categoryOrder.filter((k) => groups.has(k)).map((k) => groups.get(k)!);
  const maxPoints = options.maxPoints ?? 300;
  const mode = options.mode === "points" || options.mode === "distribution" ? options.mode : count <= maxPoints ? "points" : "distribution";
  return mode === "points" ? latencyPoints(ordered, count, maxPoints, title, width) : latencyBoxes(ordered, count, title, width);
}

type Group = { category: Category; values: number[] };

/**
 * At most `k` of the sorted values, at evenly spaced ranks (the first and
 * the last included), so the dots keep the shape of the distribution.
 */
function evenlySampled(sorted: Float64Array, k: number): number[] {
  if (sorted.length <= k) return Array.from(sorted);
  if (k <= 1) return [sorted[sorted.length >> 1]];
  const picked: number[] = [];
  for (let i = 0; i < k; i++) picked.push(sorted[Math.round((i * (sorted.length - 1)) / (k - 1))]);
  return picked;
}

function latencyPoints(groups: Group[], count: number, maxPoints: number, title: string, width: number): ChartSpec {
  let max = 0;
  for (const g of groups) for (const v of g.values) max = Math.max(max, v);
  const scale = timeScaleFor(max);
  const points: Array<{ row: string; kind: PhaseKind; value: number; text: string; n: number }> = [];
  // The median's text sits right of the furthest dot of its row, so it covers none.
  const medians: Array<{ row: string; kind: PhaseKind; median: number; labelAt: number; label: string }> = [];
  // More measurements than maxPoints: each row keeps its share, evenly sampled by rank.
  let drawn = 0;
  for (const g of groups) {
    const sorted = Float64Array.from(g.values).sort();
    const median = sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    const dots = count > maxPoints ? evenlySampled(sorted, Math.max(2, Math.ceil((maxPoints * sorted.length) / count))) : g.values;
    dots.forEach((v, i) => points.push({ row: g.category.label, kind: g.category.kind, value: round6(v * scale.factor), text: formatDuration(v), n: i + 1 }));
    drawn += dots.length;
    const label = sorted.length === 1 ? formatDuration(median) : `median ${formatDuration(median)} (n = ${sorted.length})`;
    medians.push({ row: g.category.label, kind: g.category.kind, median: round6(median * scale.factor), labelAt: round6(sorted[sorted.length - 1] * scale.factor), label });
  }
  const order = groups.map((g) => g.category.label);
  const colors = phaseColorScale(groups.map((g) => g.category.kind));
  const y = { field: "row", type: "nominal" as const, title: null, sort: order, scale: { paddingInner: 0.4, paddingOuter: 0.25 }, axis: { labelLimit: 320, labelPadding: 10, domain: false, ticks: false } };
  const plot = plotWidth(width, order);
  const end = domainWithLabels(medians.map((m) => ({ at: m.labelAt, label: m.label })), plot);
  const x = { type: "quantitative" as const, title: `Response time (${scale.unit})`, scale: { domain: [0, round6(end)], nice: false }, axis: { grid: true } };
  const color = { field: "kind", type: "nominal" as const, scale: colors, legend: null };
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    description: `Response times: ${formatCount(count)} measurement(s) in ${groups.length} kind(s) of exchange`,
    title: chartTitle(title, [
      `${formatCount(count)} request → response time(s) seen at the capture point · bar = median, dot = one exchange`,
      ...(drawn < count ? [`dots: ${formatCount(drawn)} of ${formatCount(count)} measurements, evenly spaced by rank (the median uses all)`] : []),
    ], width),
    width,
    autosize: fitWidth,
    height: Math.max(80, groups.length * ROW_HEIGHT),
    config: baseConfig(),
    layer: [
      {
        data: { values: medians },
        mark: { type: "bar", opacity: 0.3, cornerRadiusEnd: 2 },
        encoding: { x: { ...x, field: "median" }, y, color, tooltip: tooltip([["row", "Exchange"], ["label", "Median"]]) },
      },
      {
        data: { values: medians },
        mark: { type: "text", align: "left", baseline: "middle", dx: 8, fontSize: 11, color: "#333333" },
        encoding: { x: { ...x, field: "labelAt" }, y, text: { field: "label", type: "nominal" } },
      },
      {
        data: { values: points },
        mark: { type: "point", filled: true, size: 60, opacity: 0.85, stroke: "white", strokeWidth: 0.6 },
        encoding: { x: { ...x, field: "value" }, y, color, tooltip: tooltip([["row", "Exchange"], ["text", "Response time"], ["n", "Measurement"]], ["n"]) },
      },
    ],
  };
  return toChartSpec(spec);
}

/** The plotting area's width: the chart's, less the row labels and the axis padding. */
function plotWidth(width: number, rowLabels: readonly string[]): number {
  return Math.max(200, width - widestLabel(rowLabels) - 30);
}

/**
 * A log axis domain that leaves room for the labels: on a log scale the
 * label room is a factor, so it is computed in log space.
 */
function logDomain(rows: ReadonlyArray<{ p5: number; p95: number; label: string }>, plot: number): { type: "log"; domain: number[]; nice: false } {
  let lo = Infinity;
  for (const r of rows) lo = Math.min(lo, r.p5);
  const low = lo / 1.5;
  const logged = rows.map((r) => ({ at: Math.log10(r.p95 / low), label: r.label }));
  const span = domainWithLabels(logged, plot);
  return { type: "log", domain: [round6(low), round6(low * 10 ** span)], nice: false };
}

function latencyBoxes(groups: Group[], count: number, title: string, width: number): ChartSpec {
  const stats = groups.map((g) => {
    const sorted = Float64Array.from(g.values).sort();
    return {
      category: g.category,
      n: sorted.length,
      p5: quantile(sorted, 0.05),
      q1: quantile(sorted, 0.25),
      median: quantile(sorted, 0.5),
      q3: quantile(sorted, 0.75),
      p95: quantile(sorted, 0.95),
      max: sorted[sorted.length - 1],
      min: sorted[0],
    };
  });
  let hi = 0;
  let lo = Infinity;
  for (const s of stats) {
    hi = Math.max(hi, s.p95);
    if (s.p5 > 0) lo = Math.min(lo, s.p5);
  }
  const scale = timeScaleFor(hi);
  // A log axis when the rows differ by orders of magnitude (a LAN handshake
  // next to a broker that waits on a database), so every box stays readable.
  const log = Number.isFinite(lo) && hi / lo > 100;
  const floor = log ? lo / 2 : 0;
  const at = (v: number) => round6(Math.max(v, floor) * scale.factor);
  const rows = stats.map((s) => ({
    row: s.category.label,
    kind: s.category.kind,
    p5: at(s.p5),
    q1: at(s.q1),
    median: at(s.median),
    q3: at(s.q3),
    p95: at(s.p95),
    n: s.n,
    label: `median ${formatDuration(s.median)} · p95 ${formatDuration(s.p95)} · n = ${formatCount(s.n)}`,
    text: {
      min: formatDuration(s.min),
      p5: formatDuration(s.p5),
      q1: formatDuration(s.q1),
      median: formatDuration(s.median),
      q3: formatDuration(s.q3),
      p95: formatDuration(s.p95),
      max: formatDuration(s.max),
    },
  }));
  const flat = rows.map(({ text, ...r }) => ({ ...r, minText: text.min, p5Text: text.p5, q1Text: text.q1, medianText: text.median, q3Text: text.q3, p95Text: text.p95, maxText: text.max }));
  const order = rows.map((r) => r.row);
  const colors = phaseColorScale(rows.map((r) => r.kind));
  const y = { field: "row", type: "nominal" as const, title: null, sort: order, scale: { paddingInner: 0.45, paddingOuter: 0.25 }, axis: { labelLimit: 320, labelPadding: 10, domain: false, ticks: false } };
  const x = {
    type: "quantitative" as const,
    title: `Response time (${scale.unit}${log ? ", log scale" : ""})`,
    scale: log ? logDomain(rows, plotWidth(width, order)) : { domain: [0, round6(domainWithLabels(rows.map((r) => ({ at: r.p95, label: r.label })), plotWidth(width, order)))], nice: false },
    axis: { grid: true },
  };
  const color = { field: "kind", type: "nominal" as const, scale: colors, legend: null };
  const tips = tooltip(
    [
      ["row", "Exchange"],
      ["n", "Measurements"],
      ["minText", "Min"],
      ["p5Text", "5th percentile"],
      ["q1Text", "25th percentile"],
      ["medianText", "Median"],
      ["q3Text", "75th percentile"],
      ["p95Text", "95th percentile"],
      ["maxText", "Max"],
    ],
    ["n"],
  );
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    description: `Response times: distributions of ${formatCount(count)} measurements in ${rows.length} kind(s) of exchange`,
    title: chartTitle(title, [`${formatCount(count)} request → response times seen at the capture point`, "Box: 25th–75th percentile · line: 5th–95th · tick: median"], width),
    width,
    autosize: fitWidth,
    height: Math.max(80, rows.length * ROW_HEIGHT),
    config: baseConfig(),
    data: { values: flat },
    layer: [
      { mark: { type: "rule", strokeWidth: 1.5 }, encoding: { x: { ...x, field: "p5" }, x2: { field: "p95" }, y, color, tooltip: tips } },
      { mark: { type: "bar", cornerRadius: 2 }, encoding: { x: { ...x, field: "q1" }, x2: { field: "q3" }, y, color, tooltip: tips } },
      { mark: { type: "tick", color: "white", stroke: "#333333", strokeWidth: 0.8, thickness: 3 }, encoding: { x: { ...x, field: "median" }, y, tooltip: tips } },
      { mark: { type: "text", align: "left", baseline: "middle", dx: 6, fontSize: 11, color: "#333333" }, encoding: { x: { ...x, field: "p95" }, y, text: { field: "label", type: "nominal" } } },
    ],
  };
  return toChartSpec(spec);
}
