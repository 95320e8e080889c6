/**
 * Column definitions shared by every place that shows packets, messages and
 * phases: the CLI's text table, CSV, and the notebooks' HTML tables. They are
 * derived from the records' field tables (records.ts), so a column means the
 * same thing everywhere.
 */
import { formatDuration } from "../analysis/format";
import type { ConnectionSummary } from "../analysis/types";
import { columnsOf, type Column } from "./record-table";
import { mqttMessageTable, packetRowTable, phaseTable } from "./records";

export type { Column } from "./record-table";

export const packetColumns = columnsOf(packetRowTable);
export const phaseColumns = columnsOf(phaseTable);
export const messageColumns = columnsOf(mqttMessageTable);

function mqttVersion(c: ConnectionSummary): string {
  if (!c.mqtt) return c.protocol;
  const v = c.mqtt.protocolVersion;
  return `MQTT ${v === 5 ? "5.0" : v === 3 ? "3.1" : "3.1.1"}`;
}

/** TCP connections (tcp.stream). The CLI's compact table leaves out the `detail` columns. */
export const connectionColumns: ReadonlyArray<Column<ConnectionSummary>> = [
  { header: "Stream", text: (c) => String(c.stream), numeric: true, field: "tcp.stream" },
  { header: "Protocol", text: mqttVersion },
  { header: "Client", text: (c) => `${c.client}:${c.clientPort}` },
  { header: "Server", text: (c) => `${c.server}:${c.serverPort}` },
  { header: "Packets", text: (c) => String(c.packets.clientToServer + c.packets.serverToClient), numeric: true },
  { header: "Bytes", text: (c) => String(c.bytes.clientToServer + c.bytes.serverToClient), numeric: true, detail: true },
  { header: "Initial RTT", text: (c) => formatDuration(c.initialRtt), numeric: true, field: "tcp.analysis.initial_rtt" },
  { header: "State", text: (c) => c.state + (c.closedBy ? ` by ${c.closedBy}` : "") },
  { header: "Client id", text: (c) => c.mqtt?.clientId ?? "", field: "mqtt.clientid" },
];

/** The columns of a compact (terminal) table: without those marked `detail`. */
export function compactColumns<T>(columns: ReadonlyArray<Column<T>>): ReadonlyArray<Column<T>> {
  return columns.filter((c) => !c.detail);
}
