/**
 * The phase timeline: a Gantt chart of each connection's phases (TCP
 * handshake, CONNECT, SUBSCRIBE, PUBLISH, PING, DISCONNECT, TCP teardown),
 * each a bar from its first to its last frame.
 *
 * - One connection: one row per phase kind, so the steps read top to bottom.
 * - A few connections: one row per connection, bars coloured by kind.
 * - Many connections or phases (a fleet): "bands", one row per phase kind and
 *   the capture cut into time bins; a bin is drawn when some phase of that
 *   kind was under way in it, darker when more were. The data then grows
 *   with kinds × bins, never with the number of phases.
 */
import { formatDuration } from "../analysis/format";
import { describePhase } from "../analysis/phases";
import { phaseKinds, type Analysis, type Phase, type PhaseKind } from "../analysis/types";
import { baseConfig, chartTitle, emptyChart, fitWidth, toChartSpec, tooltip, type TopLevelSpec } from "./common";
import { connectionLabel, formatCount, round6, timeScaleFor, type TimeScale } from "./format";
import { phaseColorScale } from "./palette";
import { CHART_WIDTH, VEGA_LITE_SCHEMA, type ChartSpec } from "./spec";

export interface PhaseTimelineOptions {
  /** Only this connection (tcp.stream). */
  stream?: number;
  /** Per-connection bars for at most this many connections (default 20). */
  maxConnections?: number;
  /** Per-connection bars for at most this many phases (default 2,500). */
  maxBars?: number;
  /**
   * "connections": bars per connection (the first maxConnections, the first
   * maxBars phases); "bands": activity per phase kind over time; "auto"
   * (default): connections when both limits hold, bands otherwise.
   */
  mode?: "auto" | "connections" | "bands";
  /** Time bins of the bands mode (default 200). */
  bins?: number;
  /** Plot width in pixels (default 700). */
  width?: number;
}

const ROW_HEIGHT = 24;
/** Shortest bar drawn, as a fraction of the time axis: a 40 µs PING in a one-minute capture stays visible. */
const MIN_BAR = 0.004;
/** Label bars with their latency when there are at most this many. */
const MAX_LABELLED = 30;

export function phaseTimeline(analysis: Analysis, options: PhaseTimelineOptions = {}): ChartSpec {
  const width = options.width ?? CHART_WIDTH;
  const maxConnections = Math.max(1, options.maxConnections ?? 20);
  const maxBars = Math.max(1, options.maxBars ?? 2500);
  const title = options.stream !== undefined ? `Phase timeline of tcp.stream ${options.stream}` : "Phase timeline";

  // One pass: phases per stream (a fleet capture has hundreds of thousands).
  const perStream = new Map<number, number>();
  let total = 0;
  for (const phase of analysis.phases) {
    if (options.stream !== undefined && phase.stream !== options.stream) continue;
    perStream.set(phase.stream, (perStream.get(phase.stream) ?? 0) + 1);
    total++;
  }
  if (total === 0) return emptyChart(title, options.stream !== undefined ? `no phases in tcp.stream ${options.stream}` : "the capture has no phases", width);

  const streams = [...perStream.keys()].sort((a, b) => a - b);
  const mode = options.mode ?? "auto";
  const fits = streams.length <= maxConnections && total <= maxBars;
  if (mode === "bands" || (mode === "auto" && !fits)) return phaseBands(analysis, options, streams.length, total, title, width);
  return connectionBars(analysis, { ...options, maxConnections, maxBars }, streams, total, title, width);
}

interface BarRow {
  row: string;
  kind: PhaseKind;
  stream: number;
  start: number;
  end: number;
  barEnd: number;
  startText: string;
  duration: string;
  latency: string;
  label: string;
  status: string;
  summary: string;
  frames: string;
  opacity: number;
}

function connectionBars(
  analysis: Analysis,
  options: PhaseTimelineOptions & { maxConnections: number; maxBars: number },
  streams: number[],
  total: number,
  title: string,
  width: number,
): ChartSpec {
  const shownStreams = new Set(streams.slice(0, options.maxConnections));
  const selected: Phase[] = [];
  let eligible = 0;
  for (const phase of analysis.phases) {
    if (!shownStreams.has(phase.stream)) continue;
    eligible++;
    if (selected.length < options.maxBars) selected.push(phase);
  }
  let spanEnd = 0;
  for (const phase of selected) spanEnd = Math.max(spanEnd, phase.relativeEnd);
  const scale = timeScaleFor(spanEnd);
  const minBar = spanEnd * MIN_BAR;
  const byKind = shownStreams.size === 1;
  const connections = new Map(analysis.connections.map((c) => [c.stream, c]));
  const rowOf = (phase: Phase) => (byKind ? phase.kind : connectionLabel(phase.stream, connections.get(phase.stream)));
  const labelled = byKind && selected.length <= MAX_LABELLED;

  const rows: BarRow[] = selected.map((phase) => {
    // relativeStart/End: exact offsets from the first frame (epoch seconds as doubles lose sub-µs digits).
    const start = phase.relativeStart;
    const end = Math.max(start, phase.relativeEnd);
    const first = phase.frames.length > 0 ? phase.frames[0] : phase.startFrame;
    const last = phase.frames.length > 0 ? phase.frames[phase.frames.length - 1] : phase.endFrame;
    return {
      row: rowOf(phase),
      kind: phase.kind,
      stream: phase.stream,
      start: round6(start * scale.factor),
      end: round6(end * scale.factor),
      barEnd: round6(Math.max(end, start + minBar) * scale.factor),
      startText: `${start.toFixed(6)} s`,
      duration: formatDuration(end - start),
      latency: phase.latency !== undefined ? formatDuration(phase.latency) : "",
      label: "",
      status: phase.status,
      summary: describePhase(phase),
      frames: first === last ? String(first) : `${first}–${last}`,
      opacity: phase.status === "complete" ? 1 : 0.45,
    };
  });

  if (labelled) labelLatencies(rows, selected, spanEnd * scale.factor);

  // Row order: kinds in protocol order, or connections by tcp.stream.
  const order: string[] = [];
  const seen = new Set<string>();
  if (byKind) {
    const present = new Set(rows.map((r) => r.kind));
    for (const kind of phaseKinds) if (present.has(kind)) order.push(kind);
  } else {
    for (const r of [...rows].sort((a, b) => a.stream - b.stream)) {
      if (!seen.has(r.row)) {
        seen.add(r.row);
        order.push(r.row);
      }
    }
  }

  const notes: string[] = [];
  if (byKind) notes.push(connectionLabel(rows[0].stream, connections.get(rows[0].stream)));
  else notes.push(`${formatCount(shownStreams.size)} connection(s)`);
  notes.push(`${formatCount(rows.length)} phase(s)`);
  const left: string[] = [];
  if (streams.length > shownStreams.size) left.push(`first ${shownStreams.size} of ${formatCount(streams.length)} connections`);
  if (eligible > rows.length) left.push(`first ${formatCount(rows.length)} of ${formatCount(eligible)} phases`);
  const subtitle = [notes.join(" · ")];
  if (left.length > 0) subtitle.push(`Showing the ${left.join(", ")} (pass stream, or raise maxConnections / maxBars; mode "bands" summarises all ${formatCount(total)}).`);
  if (rows.some((r) => r.opacity < 1)) subtitle.push("Faded bars: phases that did not complete (see the Status column).");

  const colors = phaseColorScale(rows.map((r) => r.kind));
  const tips = tooltip(
    [
      ["kind", "Phase"],
      ["stream", "tcp.stream"],
      ["startText", "Start"],
      ["duration", "Duration"],
      ["latency", "Latency"],
      ["status", "Status"],
      ["frames", "Frames"],
      ["summary", "Summary"],
    ],
    ["stream"],
  );
  const x = {
    field: "start",
    type: "quantitative" as const,
    title: `Time since the first packet (${scale.unit})`,
    scale: { domain: [0, round6(Math.max(spanEnd * scale.factor, ...rows.map((r) => r.barEnd)))], nice: false, zero: true },
    axis: { grid: true, tickCount: 8 },
  };
  const y = { field: "row", type: "nominal" as const, title: byKind ? null : "Connection", sort: order, scale: { paddingInner: 0.35, paddingOuter: 0.25 }, axis: { labelLimit: 280, domain: false, ticks: false } };

  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    description: `Phase timeline: ${subtitle[0]}`,
    title: chartTitle(title, subtitle, width),
    width,
    autosize: fitWidth,
    height: Math.max(90, order.length * ROW_HEIGHT),
    config: baseConfig(),
    data: { values: rows },
    layer: [
      {
        mark: { type: "bar", cornerRadius: 2 },
        encoding: {
          x,
          x2: { field: "barEnd" },
          y,
          color: { field: "kind", type: "nominal", title: "Phase", scale: colors, legend: byKind ? null : {} },
          opacity: { field: "opacity", type: "quantitative", scale: null },
          tooltip: tips,
        },
      },
      ...(labelled
        ? [
            {
              mark: { type: "text" as const, align: "left" as const, baseline: "middle" as const, dx: 4, fontSize: 10, color: "#444444" },
              encoding: { x: { ...x, field: "barEnd" }, y, text: { field: "label", type: "nominal" as const }, tooltip: tips },
            },
          ]
        : []),
    ],
  };
  return toChartSpec(spec);
}

/**
 * Writes each bar's latency beside it, unless the next bar in the same row
 * starts too close for the text to fit (about 9 % of the axis).
 */
function labelLatencies(rows: BarRow[], phases: readonly Phase[], axisEnd: number): void {
  const room = axisEnd * 0.09;
  const byRow = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const list = byRow.get(r.row) ?? [];
    list.push(i);
    byRow.set(r.row, list);
  });
  for (const indexes of byRow.values()) {
    indexes.sort((a, b) => rows[a].start - rows[b].start);
    indexes.forEach((i, n) => {
      const latency = phases[i].latency;
      const next = indexes[n + 1];
      if (latency === undefined) return;
      if (next !== undefined && rows[next].start - rows[i].barEnd < room) return;
      rows[i].label = formatDuration(latency);
    });
  }
}

interface BandRow {
  kind: PhaseKind;
  start: number;
  end: number;
  range: string;
  active: number;
  started: number;
  shade: number;
}

function phaseBands(analysis: Analysis, options: PhaseTimelineOptions, connectionCount: number, total: number, title: string, width: number): ChartSpec {
  const bins = Math.max(10, Math.min(1000, Math.floor(options.bins ?? 200)));
  let spanEnd = 0;
  for (const phase of analysis.phases) {
    if (options.stream !== undefined && phase.stream !== options.stream) continue;
    if (phase.relativeEnd > spanEnd) spanEnd = phase.relativeEnd;
  }
  if (!(spanEnd > 0)) spanEnd = 1e-6;
  const binWidth = spanEnd / bins;
  const kindIndex = new Map(phaseKinds.map((k, i) => [k, i]));
  // Difference arrays: +1 where a phase starts, −1 after the bin where it ends,
  // so each phase costs O(1) however many bins it spans.
  const delta = phaseKinds.map(() => new Int32Array(bins + 1));
  const started = phaseKinds.map(() => new Int32Array(bins));
  const binOf = (t: number) => Math.min(bins - 1, Math.max(0, Math.floor(t / binWidth)));
  for (const phase of analysis.phases) {
    if (options.stream !== undefined && phase.stream !== options.stream) continue;
    const k = kindIndex.get(phase.kind);
    if (k === undefined) continue;
    const first = binOf(phase.relativeStart);
    const last = Math.max(first, binOf(phase.relativeEnd));
    delta[k][first]++;
    delta[k][last + 1]--;
    started[k][first]++;
  }
  const scale: TimeScale = timeScaleFor(spanEnd);
  const rows: BandRow[] = [];
  let maxActive = 1;
  const raw: Array<Omit<BandRow, "shade">> = [];
  phaseKinds.forEach((kind, k) => {
    let active = 0;
    for (let b = 0; b < bins; b++) {
      active += delta[k][b];
      if (active <= 0) continue;
      maxActive = Math.max(maxActive, active);
      const t0 = b * binWidth;
      const t1 = (b + 1) * binWidth;
      raw.push({
        kind,
        start: round6(t0 * scale.factor),
        end: round6(t1 * scale.factor),
        range: `${formatDuration(t0)} – ${formatDuration(t1)}`,
        active,
        started: started[k][b],
      });
    }
  });
  // Darker = more phases under way at once, on a log scale so one busy bin does not wash out the rest.
  for (const r of raw) rows.push({ ...r, shade: round6(0.3 + (0.7 * Math.log1p(r.active)) / Math.log1p(maxActive)) });
  const order = phaseKinds.filter((k) => rows.some((r) => r.kind === k));
  const subtitle = [
    `${formatCount(connectionCount)} connection(s) · ${formatCount(total)} phases, as activity per phase kind in ${bins} time bins of ${formatDuration(binWidth)}`,
    "Darker: more phases of that kind under way at once. Pass stream (one connection) for per-phase bars.",
  ];
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    description: `Phase timeline: ${subtitle[0]}`,
    title: chartTitle(title, subtitle, width),
    width,
    autosize: fitWidth,
    height: Math.max(90, order.length * ROW_HEIGHT),
    config: baseConfig(),
    data: { values: rows },
    mark: { type: "bar" },
    encoding: {
      x: {
        field: "start",
        type: "quantitative",
        title: `Time since the first packet (${scale.unit})`,
        scale: { domain: [0, round6(spanEnd * scale.factor)], nice: false, zero: true },
        axis: { grid: true, tickCount: 8 },
      },
      x2: { field: "end" },
      y: { field: "kind", type: "nominal", title: null, sort: order, scale: { paddingInner: 0.3, paddingOuter: 0.2 }, axis: { domain: false, ticks: false } },
      color: { field: "kind", type: "nominal", scale: phaseColorScale(order), legend: null },
      opacity: { field: "shade", type: "quantitative", scale: null },
      tooltip: tooltip(
        [
          ["kind", "Phase"],
          ["range", "Time"],
          ["active", "Phases under way"],
          ["started", "Phases started"],
        ],
        ["active", "started"],
      ),
    },
  };
  return toChartSpec(spec);
}
