/**
 * The TCP time/sequence graph of one connection (Wireshark: Statistics › TCP
 * Stream Graphs › Stevens / tcptrace), one panel per direction.
 *
 * Each segment that carries data (or a SYN or FIN, which take one sequence
 * number) is a vertical stroke from its first to its last sequence number, at
 * the time it was captured, coloured by phase: the line climbs as bytes are
 * sent, and flat stretches are the connection waiting. The grey steps are the
 * acknowledgement number the other side sent back; the gap between the
 * strokes and the steps is data in flight.
 *
 * Sequence numbers are relative (0 at the SYN), as in Wireshark's default.
 * When a direction has more than `maxPoints` segments, segments and ACKs are
 * merged per time bin (lowest to highest sequence number in the bin), so the
 * data stays small for a connection of any length.
 */
import { formatDuration } from "../analysis/format";
import type { Analysis, Direction, PacketRow, PhaseKind } from "../analysis/types";
import { baseConfig, chartTitle, emptyChart, toChartSpec, tooltip, type TopLevelSpec } from "./common";
import { connectionLabel, firstMqttStream, formatCount, round6, shortenInfo, timeScaleFor } from "./format";
import { OTHER_PHASE, directionLabels, phaseColorScale } from "./palette";
import { CHART_WIDTH, VEGA_LITE_SCHEMA, type ChartSpec } from "./spec";

export interface SequenceGraphOptions {
  /** The connection (tcp.stream). Default: the first MQTT connection, else the first TCP one. */
  stream?: number;
  /** Segments per direction drawn one by one (default 1,000); beyond, they are binned by time. */
  maxPoints?: number;
  /** Plot width in pixels (default 700, less the axis labels). */
  width?: number;
}

// TCP flags (RFC 9293 §3.1): FIN 0x01, SYN 0x02, ACK 0x10.
const FIN = 0x01;
const SYN = 0x02;
const ACK = 0x10;
const PANEL_HEIGHT = 210;

interface Row {
  panel: string;
  series: "segment" | "ack";
  t: number;
  seq: number;
  end: number;
  phase: string;
  frame: string;
  time: string;
  info: string;
  bytes: number;
}

interface Segment {
  t: number;
  seq: number;
  end: number;
  phase: string;
  frame: number;
  info: string;
  bytes: number;
}

interface AckPoint {
  t: number;
  ack: number;
  frame: number;
}

export function sequenceGraph(analysis: Analysis, options: SequenceGraphOptions = {}): ChartSpec {
  const stream = options.stream ?? firstMqttStream(analysis);
  const maxPoints = Math.max(10, Math.floor(options.maxPoints ?? 1000));
  const width = options.width ?? CHART_WIDTH;
  const title = stream !== undefined ? `TCP sequence graph of tcp.stream ${stream}` : "TCP sequence graph";
  if (stream === undefined) return emptyChart(title, "the capture has no TCP connection", width);

  const segments: Record<Direction, Segment[]> = { "client->server": [], "server->client": [] };
  const acks: Record<Direction, AckPoint[]> = { "client->server": [], "server->client": [] };
  let first: number | undefined;
  let last = 0;
  for (const p of analysis.packets) {
    if (p.stream !== stream || p.direction === undefined || p.seq === undefined) continue;
    first ??= p.relativeTime;
    last = p.relativeTime;
    const t = p.relativeTime;
    const flags = p.tcpFlags ?? 0;
    const length = p.tcpLength ?? 0;
    // SYN and FIN each occupy one sequence number (RFC 9293 §3.4).
    const span = length + (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0);
    if (span > 0) segments[p.direction].push({ t, seq: p.seq, end: p.seq + span, phase: phaseOf(p), frame: p.frame, info: p.info, bytes: length });
    // An ACK acknowledges the *other* direction's bytes.
    if (flags & ACK && p.ack !== undefined) acks[p.direction === "client->server" ? "server->client" : "client->server"].push({ t, ack: p.ack, frame: p.frame });
  }
  if (first === undefined) return emptyChart(title, analysis.packets.length === 0 ? "the analysis holds no packets" : `no TCP packets in tcp.stream ${stream}`, width);

  const origin = first;
  const scale = timeScaleFor(last - origin);
  const rows: Row[] = [];
  const binned: string[] = [];
  for (const direction of ["client->server", "server->client"] as const) {
    const panel = directionLabels[direction];
    const segs = segments[direction];
    const ackList = acks[direction];
    if (segs.length <= maxPoints) {
      for (const s of segs) rows.push(segmentRow(panel, s, origin, scale.factor));
      for (const a of ackList) rows.push(ackRow(panel, a, origin, scale.factor));
    } else {
      binned.push(`${panel}: ${formatCount(segs.length)} segments in ${Math.ceil(maxPoints / 2)} time bins`);
      rows.push(...binSegments(panel, segs, ackList, origin, last, Math.ceil(maxPoints / 2), scale.factor));
    }
  }

  const connection = analysis.connections.find((c) => c.stream === stream);
  const counts = `${formatCount(segments["client->server"].length)} segments device → platform, ${formatCount(segments["server->client"].length)} platform → device`;
  const subtitle = [`${connectionLabel(stream, connection)} · ${counts} over ${formatDuration(last - origin)}`, "Strokes: bytes sent (relative sequence numbers) · grey steps: what the other side has acknowledged"];
  if (binned.length > 0) subtitle.push(`Binned: ${binned.join("; ")}.`);

  const colors = phaseColorScale(rows.filter((r) => r.series === "segment").map((r) => r.phase));
  const tips = tooltip(
    [
      ["frame", "No."],
      ["time", "Time"],
      ["info", "Info"],
      ["phase", "Phase"],
      ["seq", "Seq (relative)"],
      ["end", "Next seq"],
      ["bytes", "TCP payload (bytes)"],
    ],
    ["seq", "end", "bytes"],
  );
  const x = { field: "t", type: "quantitative" as const, title: `Time since the connection's first packet (${scale.unit})`, scale: { zero: true, nice: false }, axis: { grid: true, tickCount: 8 } };
  const y = { field: "seq", type: "quantitative" as const, title: "Sequence number (bytes)", scale: { zero: true, nice: true }, axis: { grid: true, format: ",d" } };
  const panelSpec = (panel: string) => ({
    title: { text: panel, fontSize: 13, fontWeight: "normal" as const, anchor: "start" as const },
    width: width - 80,
    height: PANEL_HEIGHT,
    transform: [{ filter: { field: "panel", equal: panel } }],
    layer: [
      {
        transform: [{ filter: { field: "series", equal: "ack" } }],
        mark: { type: "line" as const, interpolate: "step-after" as const, color: "#9aa3ad", strokeWidth: 1.2 },
        encoding: { x, y: { ...y, field: "end" }, tooltip: tooltip([["frame", "ACK in No."], ["time", "Time"], ["end", "Ack (relative)"]], ["end"]) },
      },
      {
        transform: [{ filter: { field: "series", equal: "segment" } }],
        mark: { type: "rule" as const, strokeWidth: 2 },
        encoding: { x, y, y2: { field: "end" }, color: { field: "phase", type: "nominal" as const, title: "Phase", scale: colors }, tooltip: tips },
      },
      {
        transform: [{ filter: { field: "series", equal: "segment" } }],
        mark: { type: "point" as const, filled: true, size: 18, opacity: 1 },
        encoding: { x, y: { ...y, field: "end" }, color: { field: "phase", type: "nominal" as const, title: "Phase", scale: colors }, tooltip: tips },
      },
    ],
  });
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    description: `TCP sequence graph: ${subtitle[0]}`,
    title: chartTitle(title, subtitle, width),
    config: { ...baseConfig(), concat: { spacing: 28 } },
    data: { values: rows },
    vconcat: [panelSpec(directionLabels["client->server"]), panelSpec(directionLabels["server->client"])],
    resolve: { scale: { x: "shared", y: "independent", color: "shared" } },
  };
  return toChartSpec(spec);
}

function phaseOf(p: PacketRow): PhaseKind | typeof OTHER_PHASE {
  return p.phase ?? OTHER_PHASE;
}

function segmentRow(panel: string, s: Segment, origin: number, factor: number): Row {
  return {
    panel,
    series: "segment",
    t: round6((s.t - origin) * factor),
    seq: s.seq,
    end: s.end,
    phase: s.phase,
    frame: String(s.frame),
    time: `${s.t.toFixed(6)} s`,
    info: shortenInfo(s.info, 90),
    bytes: s.bytes,
  };
}

function ackRow(panel: string, a: AckPoint, origin: number, factor: number): Row {
  return { panel, series: "ack", t: round6((a.t - origin) * factor), seq: a.ack, end: a.ack, phase: "", frame: String(a.frame), time: `${a.t.toFixed(6)} s`, info: "", bytes: 0 };
}

/**
 * Segments and ACKs merged per time bin: one stroke from the lowest sequence
 * number to the highest end in the bin (coloured by the phase that sent the
 * most bytes there), and the highest ACK of each bin.
 */
function binSegments(panel: string, segs: Segment[], ackList: AckPoint[], origin: number, last: number, bins: number, factor: number): Row[] {
  const span = Math.max(last - origin, 1e-9);
  const binOf = (t: number) => Math.min(bins - 1, Math.max(0, Math.floor(((t - origin) / span) * bins)));
  interface Bin {
    seq: number;
    end: number;
    bytes: number;
    count: number;
    firstFrame: number;
    lastFrame: number;
    byPhase: Map<string, number>;
  }
  const table = new Map<number, Bin>();
  for (const s of segs) {
    const b = binOf(s.t);
    let bin = table.get(b);
    if (!bin) {
      bin = { seq: s.seq, end: s.end, bytes: 0, count: 0, firstFrame: s.frame, lastFrame: s.frame, byPhase: new Map() };
      table.set(b, bin);
    }
    bin.seq = Math.min(bin.seq, s.seq);
    bin.end = Math.max(bin.end, s.end);
    bin.bytes += s.bytes;
    bin.count++;
    bin.firstFrame = Math.min(bin.firstFrame, s.frame);
    bin.lastFrame = Math.max(bin.lastFrame, s.frame);
    bin.byPhase.set(s.phase, (bin.byPhase.get(s.phase) ?? 0) + Math.max(1, s.bytes));
  }
  const rows: Row[] = [];
  const binTime = (b: number) => origin + ((b + 0.5) / bins) * span;
  for (const [b, bin] of [...table.entries()].sort((p, q) => p[0] - q[0])) {
    let phase = OTHER_PHASE as string;
    let most = -1;
    for (const [name, bytes] of bin.byPhase) {
      if (bytes > most) {
        most = bytes;
        phase = name;
      }
    }
    const t = binTime(b);
    rows.push({
      panel,
      series: "segment",
      t: round6((t - origin) * factor),
      seq: bin.seq,
      end: bin.end,
      phase,
      frame: `${bin.firstFrame}–${bin.lastFrame}`,
      time: `${(t - span / bins / 2).toFixed(6)}–${(t + span / bins / 2).toFixed(6)} s`,
      info: `${formatCount(bin.count)} segments`,
      bytes: bin.bytes,
    });
  }
  const ackMax = new Map<number, AckPoint>();
  for (const a of ackList) {
    const b = binOf(a.t);
    const seen = ackMax.get(b);
    if (!seen || a.ack >= seen.ack) ackMax.set(b, a);
  }
  for (const [b, a] of [...ackMax.entries()].sort((p, q) => p[0] - q[0])) rows.push(ackRow(panel, { ...a, t: binTime(b) }, origin, factor));
  return rows;
}
