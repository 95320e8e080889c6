/**
 * Bytes and packets per phase and direction, each bar split into what the
 * bytes are: link + IP + TCP headers, MQTT headers (fixed header, variable
 * header, CONNECT fields, topic names…) and application payload. For a
 * sensor sending a 40-byte JSON reading, the payload is a thin sliver of
 * what crosses the wire: this chart is where that shows.
 *
 * The data is one row per phase kind, direction and part (at most 72),
 * whatever the number of phases.
 */
import { formatBytes } from "../analysis/format";
import { phaseKinds, type Analysis, type Direction, type PhaseKind, type PhaseTraffic } from "../analysis/types";
import { baseConfig, chartTitle, emptyChart, toChartSpec, tooltip, type TopLevelSpec } from "./common";
import { domainWithLabels, formatCount, round6, widestLabel } from "./format";
import { byteParts, directionLabels, phaseColors } from "./palette";
import { CHART_WIDTH, VEGA_LITE_SCHEMA, type ChartSpec } from "./spec";

export interface BytesChartOptions {
  /** Only this connection (tcp.stream). */
  stream?: number;
  /** "total" (default): all phases of a kind added up; "mean": per phase of that kind. */
  measure?: "total" | "mean";
  /** Overall width in pixels (default 700). */
  width?: number;
}

interface Totals {
  phases: number;
  packets: number;
  bytes: number;
  tcpIpBytes: number;
  mqttHeaderBytes: number;
  payloadBytes: number;
}

const directions: readonly Direction[] = ["client->server", "server->client"];
const ROW_HEIGHT = 30;

function emptyTotals(): Totals {
  return { phases: 0, packets: 0, bytes: 0, tcpIpBytes: 0, mqttHeaderBytes: 0, payloadBytes: 0 };
}

function add(totals: Totals, traffic: PhaseTraffic): void {
  totals.packets += traffic.packets;
  totals.bytes += traffic.bytes;
  totals.tcpIpBytes += traffic.tcpIpBytes;
  totals.mqttHeaderBytes += traffic.mqttHeaderBytes;
  totals.payloadBytes += traffic.payloadBytes;
}

function formatAmount(bytes: number, mean: boolean): string {
  return mean ? (bytes < 1024 ? `${bytes.toFixed(bytes < 100 ? 1 : 0)} B` : formatBytes(Math.round(bytes))) : formatBytes(bytes);
}

export function bytesChart(analysis: Analysis, options: BytesChartOptions = {}): ChartSpec {
  const width = options.width ?? CHART_WIDTH;
  const mean = options.measure === "mean";
  const title = options.stream !== undefined ? `Bytes per phase, tcp.stream ${options.stream}` : "Bytes per phase";
  const totals = new Map<PhaseKind, Record<Direction, Totals>>();
  let wire = 0;
  let payload = 0;
  let phaseCount = 0;
  for (const phase of analysis.phases) {
    if (options.stream !== undefined && phase.stream !== options.stream) continue;
    let entry = totals.get(phase.kind);
    if (!entry) {
      entry = { "client->server": emptyTotals(), "server->client": emptyTotals() };
      totals.set(phase.kind, entry);
    }
    entry["client->server"].phases++;
    entry["server->client"].phases++;
    add(entry["client->server"], phase.clientToServer);
    add(entry["server->client"], phase.serverToClient);
    wire += phase.clientToServer.bytes + phase.serverToClient.bytes;
    payload += phase.clientToServer.payloadBytes + phase.serverToClient.payloadBytes;
    phaseCount++;
  }
  if (phaseCount === 0 || wire === 0) return emptyChart(title, "no phases with traffic", width);

  const kinds = phaseKinds.filter((k) => totals.has(k));
  const parts: Array<{ kind: PhaseKind; direction: string; part: string; order: number; value: number; bytesText: string; share: string; packets: number; phases: number }> = [];
  const labels: Array<{ kind: PhaseKind; direction: string; at: number; label: string; detail: string }> = [];
  for (const kind of kinds) {
    for (const direction of directions) {
      const t = totals.get(kind)![direction];
      const per = mean ? 1 / t.phases : 1;
      // Bytes the three parts do not explain (TLS records, non-MQTT TCP data).
      const other = Math.max(0, t.bytes - t.tcpIpBytes - t.mqttHeaderBytes - t.payloadBytes);
      const values: Record<(typeof byteParts)[number]["key"], number> = { tcpIpBytes: t.tcpIpBytes, mqttHeaderBytes: t.mqttHeaderBytes, payloadBytes: t.payloadBytes, otherBytes: other };
      byteParts.forEach((part, order) => {
        const value = values[part.key];
        if (value <= 0) return;
        parts.push({
          kind,
          direction: directionLabels[direction],
          part: part.label,
          order,
          value: round6(value * per),
          bytesText: formatAmount(value * per, mean),
          share: `${((100 * value) / t.bytes).toFixed(1)} %`,
          packets: round6(t.packets * per),
          phases: t.phases,
        });
      });
      if (t.bytes > 0) {
        const packets = mean ? `${round6(t.packets * per)} pkt` : `${formatCount(t.packets)} pkt`;
        labels.push({ kind, direction: directionLabels[direction], at: round6(t.bytes * per), label: `${formatAmount(t.bytes * per, mean)} · ${packets}`, detail: `${formatCount(t.phases)} phase(s)` });
      }
    }
  }

  const present = byteParts.filter((p) => parts.some((row) => row.part === p.label));
  const labelWidth = widestLabel(kinds, 11) + 16;
  const gap = 24;
  const panelWidth = Math.max(160, Math.floor((width - labelWidth - gap - 20) / 2));
  const end = domainWithLabels(labels, panelWidth);
  const share = (100 * payload) / wire;
  const subtitle = [
    `${mean ? "Average per phase" : `All ${formatCount(phaseCount)} phases`} · payload is ${share < 0.1 && share > 0 ? share.toFixed(3) : share.toFixed(1)} % of the ${formatBytes(wire)} on the wire; the rest is headers`,
  ];
  // Row labels in their phase colour, so the kinds read the same as in the other charts.
  const colorExpr = `({${kinds.map((k) => `'${k}': '${phaseColors[k]}'`).join(", ")}})[datum.value] || '#333333'`;
  const y = (showLabels: boolean) => ({
    field: "kind",
    type: "nominal" as const,
    title: null,
    sort: kinds,
    scale: { paddingInner: 0.3, paddingOuter: 0.2 },
    axis: showLabels ? { domain: false, ticks: false, labelFontWeight: "bold" as const, labelColor: { expr: colorExpr }, labelLimit: 200 } : null,
  });
  const x = { type: "quantitative" as const, title: mean ? "Bytes per phase" : "Bytes", scale: { domain: [0, round6(end)], nice: false }, axis: { grid: true, tickCount: 5, format: ",d" } };
  const partTips = tooltip(
    [
      ["kind", "Phase"],
      ["direction", "Direction"],
      ["part", "Part"],
      ["bytesText", mean ? "Bytes per phase" : "Bytes"],
      ["share", "Share of the bar"],
      ["packets", mean ? "Packets per phase" : "Packets"],
      ["phases", "Phases"],
    ],
    ["packets", "phases"],
  );
  const panel = (direction: Direction, first: boolean) => ({
    title: { text: directionLabels[direction], fontSize: 13, fontWeight: "normal" as const, anchor: "middle" as const },
    width: panelWidth,
    height: kinds.length * ROW_HEIGHT,
    layer: [
      {
        data: { values: parts.filter((p) => p.direction === directionLabels[direction]) },
        mark: { type: "bar" as const, cornerRadius: 1 },
        encoding: {
          x: { ...x, field: "value", stack: "zero" as const },
          y: y(first),
          color: {
            field: "part",
            type: "nominal" as const,
            title: null,
            scale: { domain: present.map((p) => p.label), range: present.map((p) => p.color) },
            // The same legend on both panels: the shared scale merges them into one.
            legend: { orient: "bottom" as const, direction: "horizontal" as const, columns: 4 },
          },
          order: { field: "order", type: "quantitative" as const },
          tooltip: partTips,
        },
      },
      {
        data: { values: labels.filter((l) => l.direction === directionLabels[direction]) },
        mark: { type: "text" as const, align: "left" as const, baseline: "middle" as const, dx: 5, fontSize: 11, color: "#333333" },
        encoding: { x: { ...x, field: "at" }, y: y(first), text: { field: "label", type: "nominal" as const }, tooltip: tooltip([["detail", "Phases"]]) },
      },
    ],
  });
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    description: `Bytes per phase: ${subtitle[0]}`,
    title: chartTitle(title, subtitle, width),
    config: { ...baseConfig(), concat: { spacing: gap } },
    hconcat: [panel("client->server", true), panel("server->client", false)],
    resolve: { scale: { x: "shared", y: "shared", color: "shared" } },
  };
  return toChartSpec(spec);
}
