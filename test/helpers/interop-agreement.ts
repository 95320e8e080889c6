// Checks shared by the interop tests: our MQTT messages per tcp.stream against
// tshark's (type, packet id, topic, QoS, payload length), and the packet list's
// row count, tcp.stream numbering, Protocol and Info against tshark's.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import type { Analysis, MqttMessage } from "../../lib/analysis/types";
import { PacketType } from "../../lib/mqtt/constants";
import { tsharkMqtt, tsharkTlsArgs, type TsharkMessage, type TsharkTlsOptions } from "./tshark";

/** A message as both sides can state it: tshark's fields without the frame number. */
export type ComparableMessage = Omit<TsharkMessage, "frame">;

/** Our message in tshark's terms: numeric type, mqtt.msgid (QoS > 0 PUBLISH and the id-carrying types), topic(s), PUBLISH QoS and payload length. */
export function comparableOurs(message: MqttMessage): ComparableMessage {
  const type = message.type === "RESERVED" ? 0 : PacketType[message.type];
  const out: ComparableMessage = { stream: message.stream, type };
  const id = message.type === "PUBLISH" && (message.qos ?? 0) === 0 ? undefined : message.messageId;
  if (id !== undefined) out.messageId = id;
  const topic = message.topic ?? (message.subscriptions ? message.subscriptions.map((s) => s.topic).join(" ") : message.unsubscriptions?.join(" "));
  if (topic !== undefined) out.topic = topic;
  if (message.type === "PUBLISH") {
    out.qos = message.qos ?? 0;
    out.payloadLength = message.payloadLength ?? 0;
  }
  return out;
}

export function comparableTheirs(message: TsharkMessage): ComparableMessage {
  const out: ComparableMessage = { stream: message.stream, type: message.type };
  if (message.messageId !== undefined) out.messageId = message.messageId;
  if (message.topic !== undefined) out.topic = message.topic;
  if (message.qos !== undefined) out.qos = message.qos;
  if (message.payloadLength !== undefined) out.payloadLength = message.payloadLength;
  return out;
}

/**
 * Asserts that our decrypted MQTT messages equal tshark's, stream by stream
 * (tshark reads TLS with `tls`), and returns how many were compared.
 */
export function assertSameMqttAsTshark(tshark: string, file: string, analysis: Analysis, tls: TsharkTlsOptions): number {
  const theirs = tsharkMqtt(tshark, file, [], tls);
  assert.ok(theirs.messages.length > 0, `tshark decoded no MQTT in ${file} (${tsharkTlsArgs(tls).join(" ")}): the comparison would be empty`);
  assert.equal(theirs.streamsWithGaps.size, 0, "tshark saw missing segments on the loopback");
  const streams = [...new Set([...analysis.messages.map((m) => m.stream), ...theirs.messages.map((m) => m.stream)])].sort((a, b) => a - b);
  for (const stream of streams) {
    assert.deepEqual(
      analysis.messages.filter((m) => m.stream === stream).map(comparableOurs),
      theirs.messages.filter((m) => m.stream === stream).map(comparableTheirs),
      `tcp.stream ${stream}: our MQTT messages differ from tshark's`,
    );
  }
  return analysis.messages.length;
}

export interface TsharkListRow {
  frame: number;
  stream: number | undefined;
  protocol: string;
  info: string;
}

/** tshark's packet list (No., tcp.stream, Protocol, Info), with TLS read as given. */
export function tsharkRows(tshark: string, file: string, tls: TsharkTlsOptions = {}): TsharkListRow[] {
  const out = execFileSync(tshark, ["-r", file, ...tsharkTlsArgs(tls), "-T", "fields", "-E", "separator=\t", "-e", "frame.number", "-e", "tcp.stream", "-e", "_ws.col.Protocol", "-e", "_ws.col.Info"], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
    stdio: ["ignore", "pipe", "ignore"],
  });
  return out
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      const [frame, stream, protocol, ...info] = line.split("\t");
      return { frame: Number(frame), stream: stream === "" ? undefined : Number(stream), protocol: protocol!, info: info.join("\t") };
    });
}

/**
 * Same number of rows, same tcp.stream numbering, and the same Protocol and
 * Info, except where `webSocketMqtt` allows the one known difference: tshark
 * stops at "WebSocket" (its MQTT dissector does not register on WebSocket)
 * where we show "MQTT" with the WebSocket Info first.
 */
export function assertSamePacketList(tshark: string, file: string, analysis: Analysis, tls: TsharkTlsOptions = {}, webSocketMqtt = false): void {
  const rows = tsharkRows(tshark, file, tls);
  assert.equal(analysis.packets.length, rows.length, "row count");
  for (const row of rows) {
    const ours = analysis.packets[row.frame - 1]!;
    assert.equal(ours.frame, row.frame);
    assert.equal(ours.stream, row.stream, `frame ${row.frame}: tcp.stream`);
    const theirs = `${row.protocol} ${row.info.trimEnd()}`;
    const mine = `${ours.protocol} ${ours.info.trimEnd()}`;
    if (webSocketMqtt && row.protocol === "WebSocket" && ours.protocol === "MQTT") {
      assert.ok(ours.info.startsWith(`${row.info.trimEnd()}, `), `frame ${row.frame}: "${ours.info}" should start with tshark's "${row.info}"`);
      continue;
    }
    assert.equal(mine, theirs, `frame ${row.frame}: Protocol and Info`);
  }
}
