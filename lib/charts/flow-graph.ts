/**
 * The flow graph (Wireshark: Statistics › Flow Graph): one vertical lane for
 * the device (the TCP client) and one for the platform (the server), and one
 * arrow per packet in capture order, going down the page. Each arrow is
 * labelled like the packet list's Info column and coloured by its phase; the
 * left column gives frame number and time, the right column the phase.
 */
import type { Analysis, Direction, PacketRow, PhaseKind } from "../analysis/types";
import { messageInfo } from "../mqtt/message";
import { baseConfig, chartTitle, emptyChart, fitWidth, toChartSpec, tooltip as tooltipFields, type TopLevelSpec } from "./common";
import { formatCount, shortenInfo } from "./format";
import { OTHER_PHASE, phaseColorScale } from "./palette";
import { CHART_WIDTH, VEGA_LITE_SCHEMA, type ChartSpec } from "./spec";

export interface FlowGraphOptions {
  /** Only this connection (tcp.stream). Default: every TCP connection. */
  stream?: number;
  /** Only packets at or after this time, in seconds since the first frame (the Time column). */
  from?: number;
  /** Only packets at or before this time, in seconds since the first frame. */
  to?: number;
  /** Draw at most this many arrows (default 60); the subtitle says how many were left out. */
  maxArrows?: number;
  /** Cut arrow labels to this many characters (default 58); tooltips keep the full Info. */
  labelLength?: number;
  /** Plot width in pixels (default 700). */
  width?: number;
}

/** One arrow. */
interface ArrowRow {
  i: number;
  frame: number;
  time: string;
  x1: number;
  x2: number;
  shape: "triangle-right" | "triangle-left";
  label: string;
  info: string;
  phase: PhaseKind | typeof OTHER_PHASE;
  length: number | null;
  stream: number;
}

// Horizontal layout on a 0–100 scale: time column, device lane, labels, platform lane, phase column.
const DEVICE_X = 18;
const PLATFORM_X = 74;
const LABEL_X = (DEVICE_X + PLATFORM_X) / 2;
const COMMENT_X = 77;
/** Pixels per arrow. */
const ROW_HEIGHT = 26;
const MONO_FONT = "DejaVu Sans Mono, Menlo, Consolas, monospace";
// The left column: frame numbers end at FRAME_X, times start at TIME_X.
const FRAME_X = 4.5;
const TIME_X = 5.5;
// Rows above the first arrow (y < 0): role, address, column headings.
const ROLE_Y = -2.35;
const ADDRESS_Y = -1.7;
const HEADING_Y = -0.95;

/** A device/platform endpoint as Wireshark writes it ("[::1]:1883" for IPv6). */
function endpoint(address: string, port: number | undefined): string {
  const host = address.includes(":") ? `[${address}]` : address;
  return port === undefined ? host : `${host}:${port}`;
}

/** What a lane's header says: its endpoint, or how many share the lane ("127.0.0.1, 3 ports"). */
function laneAddress(endpoints: Set<string>): string {
  if (endpoints.size === 1) return [...endpoints][0];
  const hosts = new Set([...endpoints].map((e) => e.slice(0, e.lastIndexOf(":"))));
  return hosts.size === 1 ? `${[...hosts][0]}, ${endpoints.size} ports` : `${endpoints.size} endpoints`;
}

interface Candidate {
  frame: number;
  relativeTime: number;
  direction: Direction;
  stream: number;
  info: string;
  phase: PhaseKind | undefined;
  length: number | undefined;
  device: string;
  platform: string;
}

function fromPacket(p: PacketRow): Candidate | undefined {
  if (p.direction === undefined) return undefined;
  const toServer = p.direction === "client->server";
  return {
    frame: p.frame,
    relativeTime: p.relativeTime,
    direction: p.direction,
    stream: p.stream,
    info: p.info,
    phase: p.phase,
    length: p.length,
    device: toServer ? endpoint(p.source, p.srcPort) : endpoint(p.destination, p.dstPort),
    platform: toServer ? endpoint(p.destination, p.dstPort) : endpoint(p.source, p.srcPort),
  };
}

/**
 * Candidates from the MQTT messages, for an analysis made with
 * `packets: false` (no packet list): one arrow per message, phase looked up
 * from the phases' steps.
 */
function* fromMessages(analysis: Analysis): Generator<Candidate> {
  let phaseOfFrame: Map<number, PhaseKind> | undefined;
  const lookup = (frame: number): PhaseKind | undefined => {
    if (!phaseOfFrame) {
      phaseOfFrame = new Map();
      for (const phase of analysis.phases) for (const step of phase.steps) phaseOfFrame.set(step.frame, phase.kind);
    }
    return phaseOfFrame.get(frame);
  };
  const byStream = new Map(analysis.connections.map((c) => [c.stream, c]));
  for (const m of analysis.messages) {
    const c = byStream.get(m.stream);
    yield {
      frame: m.frame,
      relativeTime: m.relativeTime,
      direction: m.direction,
      stream: m.stream,
      info: messageInfo(m),
      phase: lookup(m.frame),
      length: undefined,
      device: c ? endpoint(c.client, c.clientPort) : "device",
      platform: c ? endpoint(c.server, c.serverPort) : "platform",
    };
  }
}

export function flowGraph(analysis: Analysis, options: FlowGraphOptions = {}): ChartSpec {
  const maxArrows = Math.max(1, Math.floor(options.maxArrows ?? 60));
  const labelLength = options.labelLength ?? 58;
  const width = options.width ?? CHART_WIDTH;
  const { stream, from, to } = options;
  const usingMessages = analysis.packets.length === 0 && analysis.messages.length > 0;
  const source: Iterable<PacketRow | Candidate> = usingMessages ? fromMessages(analysis) : analysis.packets;

  const rows: ArrowRow[] = [];
  const devices = new Set<string>();
  const platforms = new Set<string>();
  let matched = 0;
  for (const item of source) {
    const c = usingMessages ? (item as Candidate) : fromPacket(item as PacketRow);
    if (!c) continue;
    if (stream !== undefined && c.stream !== stream) continue;
    if (from !== undefined && c.relativeTime < from) continue;
    if (to !== undefined && c.relativeTime > to) continue;
    matched++;
    if (rows.length >= maxArrows) continue;
    const toServer = c.direction === "client->server";
    devices.add(c.device);
    platforms.add(c.platform);
    rows.push({
      i: rows.length,
      frame: c.frame,
      time: c.relativeTime.toFixed(6),
      x1: toServer ? DEVICE_X : PLATFORM_X,
      x2: toServer ? PLATFORM_X : DEVICE_X,
      shape: toServer ? "triangle-right" : "triangle-left",
      label: shortenInfo(c.info, labelLength),
      info: c.info,
      phase: c.phase ?? OTHER_PHASE,
      length: c.length ?? null,
      stream: c.stream,
    });
  }

  const title = stream !== undefined ? `Flow graph of tcp.stream ${stream}` : "Flow graph";
  if (rows.length === 0) {
    const why = analysis.packets.length === 0 && analysis.messages.length === 0 ? "the analysis holds no packets" : "no TCP packets match the filter";
    return emptyChart(title, why, width);
  }

  const scope: string[] = [];
  if (stream === undefined) {
    const streams = new Set(rows.map((r) => r.stream)).size;
    scope.push(streams === 1 ? `tcp.stream ${rows[0].stream}` : `arrows of ${streams} connections (pass stream to follow one)`);
  }
  if (from !== undefined || to !== undefined) scope.push(`time ${from ?? 0} s to ${to !== undefined ? `${to} s` : "end"}`);
  const unit = usingMessages ? "MQTT messages" : "packets";
  const shown = matched > rows.length ? `first ${formatCount(rows.length)} of ${formatCount(matched)} ${unit} (narrow with stream, from, to or raise maxArrows)` : `${formatCount(matched)} ${unit}`;
  const subtitle = [...scope, shown].join(" · ");

  const n = rows.length;
  const lanes = [
    { x: DEVICE_X, role: "device", address: laneAddress(devices) },
    { x: PLATFORM_X, role: "platform", address: laneAddress(platforms) },
  ];
  const headings = [
    { x: FRAME_X, label: "No.", align: "right" },
    { x: TIME_X, label: "Time (s)", align: "left" },
    { x: COMMENT_X, label: "Phase", align: "left" },
  ];
  const colors = phaseColorScale(rows.map((r) => r.phase));
  const x = { scale: { domain: [0, 100], nice: false, zero: false }, axis: null };
  const y = { scale: { domain: [-2.8, n - 0.4], reverse: true, nice: false, zero: false }, axis: null };
  const tooltip = tooltipFields(
    [
      ["frame", "No."],
      ["time", "Time (s)"],
      ["info", "Info"],
      ["phase", "Phase"],
      ["length", "Length (bytes)"],
      ["stream", "tcp.stream"],
    ],
    ["frame", "length", "stream"],
  );
  const color = { field: "phase", type: "nominal", scale: colors, legend: null } as const;

  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    description: `Flow graph: ${subtitle}, device on the left, platform on the right`,
    title: chartTitle(title, subtitle, width),
    width,
    autosize: fitWidth,
    height: Math.round(ROW_HEIGHT * (n + 2.4)),
    config: baseConfig(),
    data: { values: rows },
    layer: [
      {
        data: { values: lanes },
        mark: { type: "rule", color: "#9aa3ad", strokeDash: [4, 3] },
        encoding: { x: { field: "x", type: "quantitative", ...x }, y: { datum: -1.3, type: "quantitative", ...y }, y2: { datum: n - 0.4 } },
      },
      {
        data: { values: lanes },
        mark: { type: "text", fontWeight: "bold", fontSize: 13, baseline: "middle", color: "#222222" },
        encoding: { x: { field: "x", type: "quantitative", ...x }, y: { datum: ROLE_Y, type: "quantitative", ...y }, text: { field: "role", type: "nominal" } },
      },
      {
        data: { values: lanes },
        mark: { type: "text", fontSize: 11, baseline: "middle", color: "#555555" },
        encoding: { x: { field: "x", type: "quantitative", ...x }, y: { datum: ADDRESS_Y, type: "quantitative", ...y }, text: { field: "address", type: "nominal" } },
      },
      ...(["left", "right"] as const).map((align) => ({
        data: { values: headings.filter((h) => h.align === align) },
        mark: { type: "text" as const, align, baseline: "middle" as const, fontSize: 11, color: "#666666" },
        encoding: { x: { field: "x", type: "quantitative" as const, ...x }, y: { datum: HEADING_Y, type: "quantitative" as const, ...y }, text: { field: "label", type: "nominal" as const } },
      })),
      {
        mark: { type: "rule", strokeWidth: 1.6 },
        encoding: { x: { field: "x1", type: "quantitative", ...x }, x2: { field: "x2" }, y: { field: "i", type: "quantitative", ...y }, color, tooltip },
      },
      {
        mark: { type: "point", filled: true, size: 80, opacity: 1 },
        encoding: { x: { field: "x2", type: "quantitative", ...x }, y: { field: "i", type: "quantitative", ...y }, shape: { field: "shape", type: "nominal", scale: null }, color, tooltip },
      },
      {
        mark: { type: "text", align: "center", baseline: "bottom", dy: -3, fontSize: 10.5, color: "#222222" },
        encoding: { x: { datum: LABEL_X, type: "quantitative", ...x }, y: { field: "i", type: "quantitative", ...y }, text: { field: "label", type: "nominal" }, tooltip },
      },
      {
        mark: { type: "text", align: "right", baseline: "middle", fontSize: 10, color: "#555555", font: MONO_FONT },
        encoding: { x: { datum: FRAME_X, type: "quantitative", ...x }, y: { field: "i", type: "quantitative", ...y }, text: { field: "frame", type: "nominal" }, tooltip },
      },
      {
        mark: { type: "text", align: "left", baseline: "middle", fontSize: 10, color: "#555555", font: MONO_FONT },
        encoding: { x: { datum: TIME_X, type: "quantitative", ...x }, y: { field: "i", type: "quantitative", ...y }, text: { field: "time", type: "nominal" }, tooltip },
      },
      {
        mark: { type: "text", align: "left", baseline: "middle", fontSize: 11, fontWeight: "bold" },
        encoding: { x: { datum: COMMENT_X, type: "quantitative", ...x }, y: { field: "i", type: "quantitative", ...y }, text: { field: "phase", type: "nominal" }, color, tooltip },
      },
    ],
  };
  return toChartSpec(spec);
}
