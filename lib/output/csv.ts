/** RFC 4180 CSV. */
import { formatEpoch } from "../analysis/format";
import type { MqttMessage } from "../analysis/types";
import type { Column } from "./columns";

export function csvField(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 34 || c === 44 || c === 10 || c === 13) return `"${value.replace(/"/g, '""')}"`;
  }
  return value;
}

export function csvHeader<T>(columns: ReadonlyArray<Column<T>>): string {
  return columns.map((c) => csvField(c.header)).join(",");
}

export function csvRow<T>(row: T, columns: ReadonlyArray<Column<T>>): string {
  let line = "";
  for (let i = 0; i < columns.length; i++) line += (i ? "," : "") + csvField(columns[i].text(row));
  return line;
}

/**
 * The MQTT message table row (same columns and text as
 * `csvRow(message, messageColumns)`, which a test checks), written by hand
 * because it runs once per message on million-packet captures.
 */
export function messageCsvRow(m: MqttMessage): string {
  let topic = m.topic;
  if (topic === undefined) topic = m.subscriptions ? m.subscriptions.map((s) => s.topic).join(" ") : m.unsubscriptions ? m.unsubscriptions.join(" ") : "";
  return (
    `${m.frame},${formatEpoch(m.time)},${m.stream},${m.direction},${m.type},${m.messageId ?? ""},${csvField(topic)},${m.qos ?? ""},` +
    `${m.returnCode ?? ""},${m.reasonCode ?? ""},${m.clientId === undefined ? "" : csvField(m.clientId)},${m.username === undefined ? "" : csvField(m.username)},` +
    `${m.length},${m.payloadLength ?? ""},${m.frames ? m.frames.join(" ") : m.frame},${m.malformed === undefined ? "" : csvField(m.malformed)}`
  );
}
