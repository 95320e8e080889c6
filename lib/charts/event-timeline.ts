/**
 * The device program's run as a chart: one row per kind of simulator event,
 * one dot per event at the time it happened, and dashed lines where the
 * program planned its steps (3 s, 5 s and 8 s after the CONNACK, divided by
 * the speed). Plan and reality side by side.
 */
import { baseConfig, chartTitle, fitWidth, toChartSpec, tooltip, type TopLevelSpec } from "./common";
import { phaseColors } from "./palette";
import { CHART_WIDTH, VEGA_LITE_SCHEMA, type ChartSpec } from "./spec";
import type { SimulatorEvent, SimulatorEventType } from "../simulator/events";
import { TUTORIAL_SCRIPT } from "../simulator/device-run";

export interface EventTimelineOptions {
  /** The speed the program ran at (divides the planned times); default 1. */
  speed?: number;
  /** Plot width in pixels (default 700). */
  width?: number;
  title?: string;
}

const ROWS: ReadonlyArray<[SimulatorEventType, string, string]> = [
  ["connected", "connected (CONNACK)", phaseColors.connect],
  ["subscribed", "subscribed (SUBACK)", phaseColors.subscribe],
  ["published", "published (PUBLISH)", phaseColors.publish],
  ["acked", "acknowledged (PUBACK)", phaseColors.publish],
  ["message-received", "message from the platform", phaseColors.publish],
  ["closed", "closed", phaseColors.disconnect],
  ["error", "error", "#d64541"],
];

function detail(event: SimulatorEvent): string {
  switch (event.type) {
    case "connected":
      return `MQTT ${event.protocolVersion === 5 ? "5" : "3.1.1"}, session present: ${event.sessionPresent}`;
    case "subscribed":
      return `${event.topic}: ${event.granted >= 0x80 ? `refused (0x${event.granted.toString(16)})` : `granted QoS ${event.granted}`}`;
    case "published":
      return `${event.payload} (QoS ${event.qos}${event.messageId !== undefined ? `, id ${event.messageId}` : ""})`;
    case "acked":
      return `id ${event.messageId} after ${event.latencyMs.toFixed(1)} ms`;
    case "message-received":
      return `${event.topic}: ${event.payload}`;
    case "closed":
      return event.reason;
    case "error":
      return event.message;
  }
}

/** A short label beside the dot. */
function note(event: SimulatorEvent): string {
  switch (event.type) {
    case "connected":
      return "login accepted";
    case "subscribed":
      return event.granted >= 0x80 ? "refused" : `granted QoS ${event.granted}`;
    case "published":
      return event.payload.length > 40 ? `${event.payload.slice(0, 39)}…` : event.payload;
    case "acked":
      return `after ${event.latencyMs.toFixed(1)} ms`;
    case "message-received":
      return event.payload.length > 40 ? `${event.payload.slice(0, 39)}…` : event.payload;
    case "closed":
      return event.clean ? "after DISCONNECT" : "connection lost";
    case "error":
      return event.message.slice(0, 40);
  }
}

/** The events of one device run (the first device's, for a fleet) on a time axis. */
export function eventTimeline(events: readonly SimulatorEvent[], options: EventTimelineOptions = {}): ChartSpec {
  const width = options.width ?? CHART_WIDTH;
  const speed = options.speed ?? 1;
  const first = events[0];
  const device = first ? `${first.device.productKey}/${first.device.deviceName}` : "";
  const mine = events.filter((e) => `${e.device.productKey}/${e.device.deviceName}` === device);
  const labelOf = new Map(ROWS.map(([type, label]) => [type, label]));
  const present = ROWS.filter(([type]) => mine.some((e) => e.type === type));
  const points = mine.map((e) => ({
    row: labelOf.get(e.type) ?? e.type,
    t: Math.round(e.elapsedMs) / 1000,
    at: `+${(e.elapsedMs / 1000).toFixed(3)} s`,
    detail: detail(e),
    note: note(e),
    right: false,
  }));
  const connected = mine.find((e) => e.type === "connected");
  const plan = connected
    ? [
        ["subscribe", TUTORIAL_SCRIPT.subscribeAt],
        ["publish", TUTORIAL_SCRIPT.firstPublishAt],
        ["disconnect", TUTORIAL_SCRIPT.firstPublishAt + TUTORIAL_SCRIPT.disconnectAfterLastPublish],
      ].map(([step, seconds]) => ({
        t: Math.round(connected.elapsedMs + ((seconds as number) * 1000) / speed) / 1000,
        label: `${step}`,
        right: false,
      }))
    : [];
  const end = Math.max(0.001, ...points.map((p) => p.t), ...plan.map((p) => p.t)) * 1.04;
  // Notes go right of their dot, or left of it near the right edge.
  for (const p of points) p.right = p.t > end * 0.62;
  for (const p of plan) p.right = p.t > end * 0.85;
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    description: `Device program events: ${mine.length} events of ${device || "no device"}${connected ? `, planned steps at ${plan.map((p) => p.t).join(", ")} s` : ""}`,
    title: chartTitle(options.title ?? "What the device did, and when", device ? `${device} · speed ${speed} · dashed lines: the program's planned steps, counted from the CONNACK` : undefined, width),
    width,
    autosize: fitWidth,
    height: Math.max(1, present.length) * 34,
    config: baseConfig(),
    layer: [
      {
        data: { values: plan },
        mark: { type: "rule", strokeDash: [4, 4], color: "#999999" },
        encoding: { x: { field: "t", type: "quantitative", scale: { domain: [0, end], nice: false } } },
      },
      ...[false, true].map((right) => ({
        data: { values: plan.filter((p) => p.right === right) },
        mark: { type: "text" as const, align: right ? ("right" as const) : ("left" as const), dx: right ? -3 : 3, dy: -3, baseline: "bottom" as const, color: "#777777", fontSize: 10, fontStyle: "italic" },
        encoding: { x: { field: "t", type: "quantitative" as const }, y: { value: 0 }, text: { field: "label", type: "nominal" as const } },
      })),
      {
        data: { values: points },
        mark: { type: "point", filled: true, size: 90, opacity: 1 },
        encoding: {
          x: { field: "t", type: "quantitative", title: "seconds since the run started", axis: { grid: true, tickCount: 10 } },
          y: { field: "row", type: "nominal", title: null, sort: present.map(([, label]) => label), axis: { labelLimit: 220 } },
          color: { field: "row", type: "nominal", legend: null, scale: { domain: present.map(([, label]) => label), range: present.map(([, , color]) => color) } },
          tooltip: tooltip([["at", "time"], ["row", "event"], ["detail", "detail"]]),
        },
      },
      ...[false, true].map((right) => ({
        data: { values: points.filter((p) => p.right === right) },
        mark: { type: "text" as const, align: right ? ("right" as const) : ("left" as const), dx: right ? -9 : 9, baseline: "middle" as const, fontSize: 10, color: "#444444", limit: 260 },
        encoding: {
          x: { field: "t", type: "quantitative" as const },
          y: { field: "row", type: "nominal" as const, sort: present.map(([, label]) => label) },
          text: { field: "note", type: "nominal" as const },
        },
      })),
    ],
  };
  return toChartSpec(spec);
}
