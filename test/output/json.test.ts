import { test } from "node:test";
import assert from "node:assert/strict";
import { analyzeCapture } from "../../lib/analysis/analyze";
import type { Analysis, MqttMessage } from "../../lib/analysis/types";
import { messageJson, packetJson, phaseJson } from "../../lib/output/json";
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
  const message: MqttMessage = {
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
  same(messageJson(message), message);
  const row = { frame: 1, time: 2, relativeTime: 0, source: "::1", destination: "::1", protocol: "MQTT", length: 60, info: 'Publish Message [a "b" \\ c]', stream: 0 };
  same(packetJson(row), row);
});
