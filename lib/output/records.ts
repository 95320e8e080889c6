/**
 * The field tables of the analysis's records: the packet-list row, the MQTT
 * message and the phase, each described once (see record-table.ts for what a
 * table holds). The columns, the JSON, CSV and text writers all derive from
 * these tables. To add a field or a column, add it here: a field's place in
 * `fields` is its place in the JSON; a column names a field (or computes a
 * cell) and gets its header, alignment, Wireshark field and width from here.
 * tsc fails when a record type has a field its table does not list.
 */
import { formatDuration } from "../analysis/format";
import { describePhase } from "../analysis/phases";
import type { MqttMessage, PacketRow, Phase, PhaseTraffic } from "../analysis/types";
import type { AllKeys, FieldSpec, RecordTable } from "./record-table";
import { csvField } from "./csv-cells";

/** `true` when the table lists every field of T; otherwise the type names the missing ones, and the check below fails. */
type EveryField<T, F extends ReadonlyArray<{ readonly name: string }>> = [Exclude<AllKeys<T>, F[number]["name"]>] extends [never] ? true : { missing: Exclude<AllKeys<T>, F[number]["name"]> };

// Packet-list row ------------------------------------------------------------

const packetRowFields = [
  { name: "frame", json: "number", wireshark: "frame.number" },
  { name: "time", json: "number", wireshark: "frame.time_epoch" },
  { name: "relativeTime", json: "number", wireshark: "frame.time_relative" },
  { name: "source", json: "string", wireshark: "ip.src" },
  { name: "destination", json: "string", wireshark: "ip.dst" },
  { name: "protocol", json: "string", wireshark: "_ws.col.protocol" },
  { name: "length", json: "number", wireshark: "frame.len" },
  { name: "info", json: "string", wireshark: "_ws.col.info" },
  { name: "stream", json: "number", wireshark: "tcp.stream" },
  { name: "direction", json: "name", optional: true },
  { name: "phase", json: "name", optional: true },
  { name: "srcPort", json: "number", optional: true, wireshark: "tcp.srcport" },
  { name: "dstPort", json: "number", optional: true, wireshark: "tcp.dstport" },
  { name: "seq", json: "number", optional: true, wireshark: "tcp.seq" },
  { name: "ack", json: "number", optional: true, wireshark: "tcp.ack" },
  { name: "tcpLength", json: "number", optional: true, wireshark: "tcp.len" },
  { name: "tcpFlags", json: "number", optional: true, wireshark: "tcp.flags" },
] as const satisfies ReadonlyArray<FieldSpec<PacketRow>>;
const packetRowCovered: EveryField<PacketRow, typeof packetRowFields> = true;

/** The packet list, like Wireshark's top pane (widths: the CLI's streaming list). */
export const packetRowTable: RecordTable<PacketRow> = {
  fields: packetRowFields,
  columns: [
    { header: "No.", field: "frame", format: "integer", width: 6 },
    { header: "Time", field: "relativeTime", format: "seconds", width: 11 },
    // Addresses, protocol names and phase kinds are ours (never raw wire text).
    { header: "Source", field: "source", format: "name", width: 15 },
    { header: "Destination", field: "destination", format: "name", width: 15 },
    { header: "Protocol", field: "protocol", format: "name", width: 8 },
    { header: "Length", field: "length", format: "integer", width: 6 },
    { header: "Phase", field: "phase", format: "name", width: 13 },
    // Info carries topics and clientIds: text from the wire.
    { header: "Info", field: "info", format: "text" },
  ],
};

// MQTT message -----------------------------------------------------------------

const mqttMessageFields = [
  { name: "frame", json: "number", wireshark: "frame.number" },
  { name: "frames", json: "numbers", optional: true },
  { name: "time", json: "number", wireshark: "frame.time_epoch" },
  { name: "relativeTime", json: "number", wireshark: "frame.time_relative" },
  { name: "stream", json: "number", wireshark: "tcp.stream" },
  { name: "direction", json: "name" },
  { name: "type", json: "name", wireshark: "mqtt.msgtype" },
  { name: "length", json: "number", wireshark: "mqtt.len" },
  { name: "headerLength", json: "number" },
  { name: "protocolVersion", json: "number", wireshark: "mqtt.ver" },
  { name: "messageId", json: "number", optional: true, wireshark: "mqtt.msgid" },
  { name: "topic", json: "string", optional: true, wireshark: "mqtt.topic" },
  { name: "qos", json: "number", optional: true, wireshark: "mqtt.qos" },
  { name: "dup", json: "boolean", optional: true, wireshark: "mqtt.dupflag" },
  { name: "retain", json: "boolean", optional: true, wireshark: "mqtt.retain" },
  { name: "payloadLength", json: "number", optional: true },
  { name: "payloadText", json: "string", optional: true, wireshark: "mqtt.msg" },
  { name: "clientId", json: "string", optional: true, wireshark: "mqtt.clientid" },
  { name: "username", json: "string", optional: true, wireshark: "mqtt.username" },
  { name: "password", json: "string", optional: true, wireshark: "mqtt.passwd" },
  { name: "keepalive", json: "number", optional: true, wireshark: "mqtt.kalive" },
  { name: "cleanSession", json: "boolean", optional: true, wireshark: "mqtt.conflag.cleansess" },
  { name: "protocolName", json: "string", optional: true, wireshark: "mqtt.protoname" },
  { name: "will", json: "value", optional: true },
  { name: "returnCode", json: "number", optional: true, wireshark: "mqtt.conack.val" },
  { name: "reasonCode", json: "number", optional: true },
  { name: "sessionPresent", json: "boolean", optional: true, wireshark: "mqtt.conack.flags.sp" },
  { name: "subscriptions", json: "value", optional: true },
  { name: "granted", json: "numbers", optional: true },
  { name: "unsubscriptions", json: "value", optional: true },
  { name: "properties", json: "value", optional: true },
  { name: "malformed", json: "string", optional: true },
  { name: "truncated", json: "boolean", optional: true },
] as const satisfies ReadonlyArray<FieldSpec<MqttMessage>>;
const mqttMessageCovered: EveryField<MqttMessage, typeof mqttMessageFields> = true;

/** PUBLISH: its topic; SUBSCRIBE and UNSUBSCRIBE: their filters, space-separated. */
function topicCell(m: MqttMessage): string {
  if (m.topic !== undefined) return m.topic;
  if (m.subscriptions) return m.subscriptions.map((s) => s.topic).join(" ");
  if (m.unsubscriptions) return m.unsubscriptions.join(" ");
  return "";
}

/** Every frame the message spans (its one frame when it fits in one). */
function framesCell(m: MqttMessage): string {
  return m.frames ? m.frames.join(" ") : String(m.frame);
}

/** The MQTT message table (the CLI's CSV, the notebooks' message lists). */
export const mqttMessageTable: RecordTable<MqttMessage> = {
  fields: mqttMessageFields,
  columns: [
    { header: "frame", field: "frame", format: "integer" },
    { header: "time", field: "time", format: "epoch" },
    { header: "stream", field: "stream", format: "integer" },
    { header: "direction", field: "direction", format: "name" },
    { header: "type", field: "type", format: "name" },
    { header: "messageId", field: "messageId", format: "integer" },
    {
      header: "topic",
      text: topicCell,
      wireshark: "mqtt.topic",
      csv: (m, out) => {
        if (m.topic !== undefined) out.text(csvField(m.topic));
        else if (m.subscriptions || m.unsubscriptions) out.text(csvField(topicCell(m)));
      },
    },
    { header: "qos", field: "qos", format: "integer" },
    { header: "returnCode", field: "returnCode", format: "integer" },
    { header: "reasonCode", field: "reasonCode", format: "integer" },
    { header: "clientId", field: "clientId", format: "text" },
    { header: "username", field: "username", format: "text" },
    { header: "length", field: "length", format: "integer" },
    { header: "payloadLength", field: "payloadLength", format: "integer" },
    {
      header: "frames",
      text: framesCell,
      csv: (m, out) => {
        const frames = m.frames;
        if (!frames) return out.integer(m.frame);
        for (let i = 0; i < frames.length; i++) {
          if (i > 0) out.byte(0x20);
          out.integer(frames[i]);
        }
      },
    },
    { header: "malformed", field: "malformed", format: "text" },
  ],
};

// Phase ------------------------------------------------------------------------

const phaseTrafficFields = [
  { name: "packets", json: "number" },
  { name: "bytes", json: "number" },
  { name: "tcpIpBytes", json: "number" },
  { name: "mqttHeaderBytes", json: "number" },
  { name: "payloadBytes", json: "number" },
  { name: "layerBytes", json: "number", optional: true },
] as const satisfies ReadonlyArray<FieldSpec<PhaseTraffic>>;
const phaseTrafficCovered: EveryField<PhaseTraffic, typeof phaseTrafficFields> = true;

const phaseStepFields = [
  { name: "type", json: "string", wireshark: "mqtt.msgtype" },
  { name: "frame", json: "number", wireshark: "frame.number" },
  { name: "time", json: "number", wireshark: "frame.time_epoch" },
  { name: "relativeTime", json: "number", wireshark: "frame.time_relative" },
  { name: "direction", json: "name" },
] as const satisfies ReadonlyArray<FieldSpec<Phase["steps"][number]>>;
const phaseStepCovered: EveryField<Phase["steps"][number], typeof phaseStepFields> = true;

const phaseFields = [
  { name: "id", json: "number" },
  { name: "stream", json: "number", wireshark: "tcp.stream" },
  { name: "kind", json: "name" },
  { name: "status", json: "name" },
  { name: "start", json: "number" },
  { name: "end", json: "number" },
  { name: "relativeStart", json: "number" },
  { name: "relativeEnd", json: "number" },
  { name: "startFrame", json: "number" },
  { name: "endFrame", json: "number" },
  { name: "frames", json: "numbers" },
  { name: "clientToServer", json: { record: phaseTrafficFields } },
  { name: "serverToClient", json: { record: phaseTrafficFields } },
  { name: "steps", json: { records: phaseStepFields } },
  { name: "latency", json: "number", optional: true },
  { name: "direction", json: "name", optional: true },
  { name: "messageId", json: "number", optional: true, wireshark: "mqtt.msgid" },
  { name: "topic", json: "string", optional: true, wireshark: "mqtt.topic" },
  { name: "qos", json: "number", optional: true, wireshark: "mqtt.qos" },
  { name: "clientId", json: "string", optional: true, wireshark: "mqtt.clientid" },
  { name: "username", json: "string", optional: true, wireshark: "mqtt.username" },
  { name: "keepalive", json: "number", optional: true, wireshark: "mqtt.kalive" },
  { name: "protocolVersion", json: "number", optional: true, wireshark: "mqtt.ver" },
  { name: "returnCode", json: "number", optional: true, wireshark: "mqtt.conack.val" },
  { name: "reasonCode", json: "number", optional: true },
  { name: "sessionPresent", json: "boolean", optional: true, wireshark: "mqtt.conack.flags.sp" },
  { name: "topics", json: "value", optional: true },
  { name: "requestedQos", json: "numbers", optional: true },
  { name: "granted", json: "numbers", optional: true },
  { name: "synToSynAck", json: "number", optional: true },
  { name: "synAckToAck", json: "number", optional: true },
  { name: "initiator", json: "name", optional: true },
  { name: "closedBy", json: "name", optional: true },
  { name: "halfClose", json: "boolean", optional: true },
  { name: "tls", json: "value", optional: true },
  { name: "websocket", json: "value", optional: true },
] as const satisfies ReadonlyArray<FieldSpec<Phase>>;
const phaseCovered: EveryField<Phase, typeof phaseFields> = true;

/** The phase summary (the CLI's Phases table, reports, notebooks). */
export const phaseTable: RecordTable<Phase> = {
  fields: phaseFields,
  columns: [
    { header: "Stream", field: "stream", format: "integer" },
    { header: "Phase", field: "kind", format: "name" },
    { header: "Frames", text: (p) => (p.frames.length > 0 ? `${p.frames[0]}–${p.frames[p.frames.length - 1]}` : `${p.startFrame}`) },
    { header: "Packets →/←", text: (p) => `${p.clientToServer.packets}/${p.serverToClient.packets}`, numeric: true },
    { header: "Bytes →/←", text: (p) => `${p.clientToServer.bytes}/${p.serverToClient.bytes}`, numeric: true },
    { header: "Latency", text: (p) => (p.latency !== undefined ? formatDuration(p.latency) : ""), numeric: true },
    { header: "Status", field: "status", format: "name" },
    { header: "Summary", text: (p) => describePhase(p) },
  ],
};

// The coverage checks are compile-time only.
void [packetRowCovered, mqttMessageCovered, phaseTrafficCovered, phaseStepCovered, phaseCovered];
