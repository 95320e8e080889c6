/**
 * Table columns for the rows the CLI has no shared definition for: issues
 * (Wireshark's Expert Information) and the platform's device log. Packets,
 * phases, MQTT messages and connections use the CLI's own definitions
 * (../output/columns.ts).
 */
import type { Issue } from "../expert/issues";
import type { PhaseKind } from "../analysis/types";
import type { Column } from "../output/columns";
import { deviceLogEventLabels, type DeviceLogEntry, type DeviceLogEvent } from "../device/log-entry";

export { connectionColumns } from "../output/columns";

export const issueColumns: ReadonlyArray<Column<Issue>> = [
  { header: "No.", text: (i) => (i.frame > 0 ? String(i.frame) : "file"), numeric: true, field: "frame.number" },
  { header: "Stream", text: (i) => (i.stream !== undefined ? String(i.stream) : ""), numeric: true, field: "tcp.stream" },
  { header: "Severity", text: (i) => i.severity, field: "_ws.expert.severity" },
  { header: "Group", text: (i) => i.group, field: "_ws.expert.group" },
  { header: "Code", text: (i) => i.code },
  { header: "Message", text: (i) => i.message, field: "_ws.expert.message" },
];

export const deviceLogColumns: ReadonlyArray<Column<DeviceLogEntry>> = [
  { header: "#", text: (e) => String(e.seq), numeric: true },
  { header: "Time (UTC)", text: (e) => e.time },
  { header: "Event", text: (e) => deviceLogEventLabels[e.event] ?? e.event },
  { header: "Device", text: (e) => (e.productKey || e.deviceName ? `${e.productKey ?? "?"}/${e.deviceName ?? "?"}` : "") },
  { header: "Client", text: (e) => `${e.clientIp}:${e.clientPort}` },
  { header: "Topic", text: (e) => e.topic ?? "" },
  { header: "QoS", text: (e) => (e.qos !== undefined ? String(e.qos) : ""), numeric: true },
  { header: "Bytes", text: (e) => (e.payloadSize !== undefined ? String(e.payloadSize) : ""), numeric: true },
  { header: "Status", text: (e) => e.status },
  { header: "Reason", text: (e) => e.reason ?? "" },
];

/** The phase a device-log event is the platform's view of (for row colours). */
export const deviceLogPhases: Readonly<Record<DeviceLogEvent, PhaseKind>> = {
  online: "connect",
  "login-refused": "connect",
  offline: "disconnect",
  upstream: "publish",
  downstream: "publish",
  subscribe: "subscribe",
  unsubscribe: "unsubscribe",
};
