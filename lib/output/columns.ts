/**
 * Column definitions shared by every place that shows packets, messages and
 * phases: the CLI's text table, CSV, and the notebooks' HTML tables. One
 * definition, so a column means the same thing everywhere.
 */
import { formatDuration, formatEpoch } from "../analysis/format";
import { describePhase } from "../analysis/phases";
import type { MqttMessage, PacketRow, Phase } from "../analysis/types";

export interface Column<T> {
  /** Header text. */
  header: string;
  /** Cell text. */
  text(row: T): string;
  /** Right-align (numbers). */
  numeric?: boolean;
  /** Wireshark display-filter field this column corresponds to, if any. */
  field?: string;
}

export const packetColumns: ReadonlyArray<Column<PacketRow>> = [
  { header: "No.", text: (p) => String(p.frame), numeric: true, field: "frame.number" },
  { header: "Time", text: (p) => p.relativeTime.toFixed(6), numeric: true, field: "frame.time_relative" },
  { header: "Source", text: (p) => p.source, field: "ip.src" },
  { header: "Destination", text: (p) => p.destination, field: "ip.dst" },
  { header: "Protocol", text: (p) => p.protocol, field: "_ws.col.protocol" },
  { header: "Length", text: (p) => String(p.length), numeric: true, field: "frame.len" },
  { header: "Phase", text: (p) => p.phase ?? "" },
  { header: "Info", text: (p) => p.info, field: "_ws.col.info" },
];

export const phaseColumns: ReadonlyArray<Column<Phase>> = [
  { header: "Stream", text: (p) => String(p.stream), numeric: true, field: "tcp.stream" },
  { header: "Phase", text: (p) => p.kind },
  { header: "Frames", text: (p) => (p.frames.length > 0 ? `${p.frames[0]}–${p.frames[p.frames.length - 1]}` : `${p.startFrame}`) },
  { header: "Packets →/←", text: (p) => `${p.clientToServer.packets}/${p.serverToClient.packets}`, numeric: true },
  { header: "Bytes →/←", text: (p) => `${p.clientToServer.bytes}/${p.serverToClient.bytes}`, numeric: true },
  { header: "Latency", text: (p) => (p.latency !== undefined ? formatDuration(p.latency) : ""), numeric: true },
  { header: "Status", text: (p) => p.status },
  { header: "Summary", text: (p) => describePhase(p) },
];

export const messageColumns: ReadonlyArray<Column<MqttMessage>> = [
  { header: "frame", text: (m) => String(m.frame), numeric: true, field: "frame.number" },
  { header: "time", text: (m) => formatEpoch(m.time), numeric: true, field: "frame.time_epoch" },
  { header: "stream", text: (m) => String(m.stream), numeric: true, field: "tcp.stream" },
  { header: "direction", text: (m) => m.direction },
  { header: "type", text: (m) => m.type, field: "mqtt.msgtype" },
  { header: "messageId", text: (m) => (m.messageId !== undefined ? String(m.messageId) : ""), numeric: true, field: "mqtt.msgid" },
  { header: "topic", text: (m) => m.topic ?? (m.subscriptions ? m.subscriptions.map((s) => s.topic).join(" ") : m.unsubscriptions ? m.unsubscriptions.join(" ") : ""), field: "mqtt.topic" },
  { header: "qos", text: (m) => (m.qos !== undefined ? String(m.qos) : ""), numeric: true, field: "mqtt.qos" },
  { header: "returnCode", text: (m) => (m.returnCode !== undefined ? String(m.returnCode) : ""), numeric: true, field: "mqtt.conack.val" },
  { header: "reasonCode", text: (m) => (m.reasonCode !== undefined ? String(m.reasonCode) : ""), numeric: true },
  { header: "clientId", text: (m) => m.clientId ?? "", field: "mqtt.clientid" },
  { header: "username", text: (m) => m.username ?? "", field: "mqtt.username" },
  { header: "length", text: (m) => String(m.length), numeric: true, field: "mqtt.len" },
  { header: "payloadLength", text: (m) => (m.payloadLength !== undefined ? String(m.payloadLength) : ""), numeric: true },
  { header: "frames", text: (m) => (m.frames ? m.frames.join(" ") : String(m.frame)) },
  { header: "malformed", text: (m) => m.malformed ?? "" },
];
