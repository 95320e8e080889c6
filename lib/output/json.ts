/**
 * JSON text for packets, messages and phases, written straight into bytes
 * (see byte-buffer.ts): `analyze --format json` writes one object per packet,
 * message and phase, and on a million-packet capture JSON.stringify of them
 * was a third of the run. The writers are compiled from the records' field
 * tables (records.ts, record-table.ts); the text is what JSON.stringify writes
 * for the same object with its keys in the table's order (a test checks that
 * byte for byte on every fixture capture and on awkward strings and numbers).
 * Fields that are undefined are left out, as JSON.stringify does.
 */
import type { MqttMessage, PacketRow, Phase } from "../analysis/types";
import { textOf, type ByteBuffer } from "./byte-buffer";
import { compileJsonWriter } from "./record-table";
import { mqttMessageTable, packetRowTable, phaseTable } from "./records";

export const writePacketJson: (p: PacketRow, out: ByteBuffer) => void = compileJsonWriter(packetRowTable);
export const writeMessageJson: (m: MqttMessage, out: ByteBuffer) => void = compileJsonWriter(mqttMessageTable);
export const writePhaseJson: (p: Phase, out: ByteBuffer) => void = compileJsonWriter(phaseTable);

/** One packet-list row as JSON text. */
export function packetJson(p: PacketRow): string {
  return textOf(writePacketJson, p);
}

/** One MQTT message as JSON text. */
export function messageJson(m: MqttMessage): string {
  return textOf(writeMessageJson, m);
}

/** One phase as JSON text. */
export function phaseJson(p: Phase): string {
  return textOf(writePhaseJson, p);
}
