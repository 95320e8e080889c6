import { test } from "node:test";
import assert from "node:assert/strict";
import { analyzeCapture } from "../../lib/analysis/analyze";
import type { Analysis, MqttMessage } from "../../lib/analysis/types";
import type { MqttMessageDraft } from "../../lib/mqtt/types";
import { ByteBuffer } from "../../lib/output/byte-buffer";
import { messageJson, packetJson, phaseJson, writeMessageJson, writePacketJson, writePhaseJson } from "../../lib/output/json";
import { captureFiles } from "../helpers/fixtures";

async function analyses(): Promise<Analysis[]> {
  const list: Analysis[] = [];
  for (const file of captureFiles()) list.push(await analyzeCapture(file));
  return list;
}

/** Same value as JSON.stringify (key order aside). */
function same(handWritten: string, value: unknown): void {
  assert.deepEqual(JSON.parse(handWritten), JSON.parse(JSON.stringify(value)));
}

test("hand-written JSON equals JSON.stringify for every packet, message and phase", async () => {
  let count = 0;
  for (const analysis of await analyses()) {
    for (const p of analysis.packets) same(packetJson(p), p);
    for (const m of analysis.messages) same(messageJson(m), m);
    for (const p of analysis.phases) same(phaseJson(p), p);
    count += analysis.packets.length + analysis.messages.length + analysis.phases.length;
  }
  assert.ok(count > 100, `only ${count} objects compared`);
});

test("strings with quotes, backslashes, control characters and non-ASCII are escaped", () => {
  const message: MqttMessageDraft = {
    frame: 1,
    time: 1.5,
    relativeTime: 0,
    stream: 0,
    direction: "client->server",
    type: "PUBLISH",
    length: 9,
    headerLength: 2,
    protocolVersion: 4,
    topic: 'a "quoted" \\ topic\n\u0001 温度',
    payloadText: '{"t":1}',
    properties: { userProperties: { k: "v\u2028" } },
  };
  same(messageJson(message as MqttMessage), message);
  const row = { frame: 1, time: 2, relativeTime: 0, source: "::1", destination: "::1", protocol: "MQTT", length: 60, info: 'Publish Message [a "b" \\ c]', stream: 0 };
  same(packetJson(row), row);
});

/**
 * The byte writer's text for one value is, byte for byte, JSON.stringify's
 * text for the same value with its keys in the writer's order (and the
 * writer left out no key JSON.stringify writes).
 */
function sameBytes<T extends object>(value: T, asBytes: (v: T, out: ByteBuffer) => void, out: ByteBuffer): void {
  out.length = 0;
  asBytes(value, out);
  const actual = out.bytes.subarray(0, out.length);
  const keys = Object.keys(JSON.parse(actual.toString("utf8")) as object);
  assert.deepEqual([...keys].sort(), Object.keys(JSON.parse(JSON.stringify(value)) as object).sort());
  const record = value as Record<string, unknown>;
  const expected = Buffer.from(JSON.stringify(Object.fromEntries(keys.map((key) => [key, record[key]]))), "utf8");
  if (!expected.equals(actual)) assert.equal(actual.toString("utf8"), expected.toString("utf8"));
  assert.ok(expected.equals(actual), "same text, different bytes");
}

test("JSON written as bytes is JSON.stringify's text in the writer's key order, for every packet, message and phase", async () => {
  const out = new ByteBuffer(16);
  let count = 0;
  for (const analysis of await analyses()) {
    for (const p of analysis.packets) sameBytes(p, writePacketJson, out);
    for (const m of analysis.messages) sameBytes(m, writeMessageJson, out);
    for (const p of analysis.phases) sameBytes(p, writePhaseJson, out);
    count += analysis.packets.length + analysis.messages.length + analysis.phases.length;
  }
  assert.ok(count > 100, `only ${count} objects compared`);
});

test("JSON bytes for awkward strings and numbers: escapes, non-ASCII, lone surrogates, DEL, fractions, negatives", () => {
  const out = new ByteBuffer(16);
  // Awkward records that mix the fields of several types, as no decoder builds them.
  const msg = (m: MqttMessageDraft) => m as MqttMessage;
  const base: MqttMessageDraft = { frame: 1, time: 1700000000.123456, relativeTime: 1e-7, stream: 0, direction: "client->server", type: "PUBLISH", length: 9, headerLength: 2, protocolVersion: 5 };
  const awkward = ['a "quoted" \\ topic\n\u0001 温度', "tab\there", "del\u007f", "lone \ud800 high", "pair 😀", "line\u2028sep", ""];
  for (const text of awkward) {
    sameBytes(msg({ ...base, topic: text, payloadText: text, clientId: text, malformed: text }), writeMessageJson, out);
    sameBytes({ frame: 2, time: -1.5, relativeTime: 0.1 + 0.2, source: text, destination: "::1", protocol: "MQTT", length: 60, info: text, stream: -1 }, writePacketJson, out);
  }
  sameBytes(msg({ ...base, frames: [1, 2, 3], messageId: 0, qos: 0, dup: false, retain: true, granted: [0, 128], subscriptions: [{ topic: "x", qos: 1 }], will: { topic: "w", qos: 0, retain: false, payloadLength: 3 }, properties: { userProperties: { k: "v" } }, reasonCode: 0x87, length: 2 ** 40 }), writeMessageJson, out);
});
