/**
 * The device's silences against its keep-alive, and the gaps between its
 * reconnects, on one time axis: one row per connection (its client's
 * silences, each a bar from the client's last packet to the next one or to
 * the close) and one row per clientId that reconnected (each gap a bar from
 * the end of one attempt to the next CONNECT). Colours say how a silence
 * compares with the keep-alive the client promised in its CONNECT:
 * within it, past it, or past the server's 1.5× deadline [MQTT-3.1.2-24].
 */
import type { Analysis } from "../analysis/types";
import type { Finding } from "../behaviour/finding";
import { baseConfig, chartTitle, emptyChart, fitWidth, toChartSpec, tooltip, type TopLevelSpec } from "./common";
import { round6 } from "./format";
import { CHART_WIDTH, VEGA_LITE_SCHEMA, type ChartSpec } from "./spec";

export interface BehaviourTimelineOptions {
  width?: number;
  /** Silences shorter than this share of the keep-alive are left out (default 0.25): the chart is about the long ones. */
  minShare?: number;
  /** Bars at most (default 2000); the longest silences are kept. */
  maxBars?: number;
}

export const SILENCE_CLASSES = ["within keep-alive", "past keep-alive", "past 1.5× keep-alive", "reconnect gap"] as const;
const CLASS_COLORS = ["#8fbf8f", "#e0a800", "#d64541", "#6f8fb8"];

interface Bar {
  row: string;
  start: number;
  end: number;
  seconds: number;
  keepalive: number | null;
  kind: (typeof SILENCE_CLASSES)[number];
  frames: string;
}

function shortClient(clientId: string): string {
  // Platform clientIds carry their parameters after "|": the id before it names the device.
  const id = clientId.split("|")[0] ?? clientId;
  return JSON.stringify(id.length > 28 ? `${id.slice(0, 27)}…` : id).slice(1, -1);
}

function classify(seconds: number, keepalive: number): Bar["kind"] {
  if (seconds > 1.5 * keepalive) return "past 1.5× keep-alive";
  if (seconds > keepalive) return "past keep-alive";
  return "within keep-alive";
}

/**
 * Client silences of every connection with a keep-alive, and reconnect gaps
 * from the findings of checkBehaviour (mqtt.reconnect_backoff).
 */
export function behaviourTimeline(analysis: Pick<Analysis, "messages" | "connections" | "phases">, findings: readonly Finding[] = [], options: BehaviourTimelineOptions = {}): ChartSpec {
  const width = options.width ?? CHART_WIDTH;
  const minShare = options.minShare ?? 0.25;
  const maxBars = options.maxBars ?? 2000;
  const title = "Silences against the keep-alive, and reconnect gaps";
  const bars: Bar[] = [];
  const perStream = new Map<number, { row: string; keepalive: number; last: number; lastFrame: number }>();
  const closes = new Map<number, { at: number; frame: number }>();
  for (const p of analysis.phases) if (p.kind === "tcp-teardown") closes.set(p.stream, { at: p.relativeStart, frame: p.startFrame });
  const addSilence = (s: { row: string; keepalive: number; last: number; lastFrame: number }, until: number, frame: number) => {
    const seconds = until - s.last;
    if (seconds < minShare * s.keepalive) return;
    bars.push({ row: s.row, start: round6(s.last), end: round6(until), seconds: round6(seconds), keepalive: s.keepalive, kind: classify(seconds, s.keepalive), frames: `${s.lastFrame} → ${frame}` });
  };
  for (const m of analysis.messages) {
    if (m.direction !== "client->server") continue;
    if (m.type === "CONNECT") {
      if (m.keepalive) perStream.set(m.stream, { row: `stream ${m.stream} · ${shortClient(m.clientId ?? "")} · keep-alive ${m.keepalive} s`, keepalive: m.keepalive, last: m.relativeTime, lastFrame: m.frame });
      continue;
    }
    const s = perStream.get(m.stream);
    if (!s) continue;
    addSilence(s, m.relativeTime, m.frame);
    s.last = m.relativeTime;
    s.lastFrame = m.frame;
    if (m.type === "DISCONNECT") perStream.delete(m.stream);
  }
  // The last silence of each connection ends at its close.
  for (const [stream, s] of perStream) {
    const close = closes.get(stream);
    if (close && close.at > s.last) addSilence(s, close.at, close.frame);
  }
  for (const f of findings) {
    if (f.code !== "mqtt.reconnect_backoff" || !f.data?.gaps || !f.data.gapTimes) continue;
    const row = `reconnects · ${shortClient(f.clientId ?? "")}`;
    f.data.gaps.forEach((gap, i) => {
      const at = f.data!.gapTimes![i]!;
      bars.push({ row, start: round6(at - gap), end: round6(at), seconds: round6(gap), keepalive: null, kind: "reconnect gap", frames: "" });
    });
  }
  if (bars.length === 0) return emptyChart(title, "no silence of a quarter of the keep-alive or more, and no reconnects", width);
  const shown = bars.length > maxBars ? [...bars].sort((a, b) => b.seconds - a.seconds).slice(0, maxBars) : bars;
  // Connections by tcp.stream, then the reconnect rows.
  const streamOf = (row: string) => (row.startsWith("stream ") ? Number(row.slice(7, row.indexOf(" ", 7))) : Number.MAX_SAFE_INTEGER);
  const rows = [...new Set(shown.map((b) => b.row))].sort((a, b) => streamOf(a) - streamOf(b) || a.localeCompare(b));
  const present = SILENCE_CLASSES.filter((c) => shown.some((b) => b.kind === c));
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    description: `${title}: ${shown.length} bar(s) in ${rows.length} row(s)${shown.length < bars.length ? ` (the ${maxBars} longest of ${bars.length})` : ""}`,
    title: chartTitle(title, "bar = time without a packet from the client (or between a dropped attempt and the next CONNECT)", width),
    width,
    autosize: fitWidth,
    height: Math.max(60, rows.length * 26),
    config: baseConfig(),
    data: { values: shown as unknown as Record<string, unknown>[] },
    mark: { type: "bar", height: 14, cornerRadius: 2 },
    encoding: {
      y: { field: "row", type: "nominal", title: null, sort: rows, axis: { labelLimit: 320 } },
      x: { field: "start", type: "quantitative", title: "seconds since the first frame" },
      x2: { field: "end" },
      color: { field: "kind", type: "nominal", title: null, scale: { domain: [...present], range: present.map((c) => CLASS_COLORS[SILENCE_CLASSES.indexOf(c)]!) } },
      tooltip: tooltip(
        [
          ["row", "connection"],
          ["kind", "silence"],
          ["seconds", "seconds", ".3f"],
          ["keepalive", "keep-alive (s)"],
          ["frames", "frames"],
        ],
        ["seconds", "keepalive"],
      ),
    },
  };
  return toChartSpec(spec);
}
