import { test } from "node:test";
import assert from "node:assert/strict";
import { analyzeCapture } from "../../lib/analysis/analyze";
import type { MqttMessage } from "../../lib/analysis/types";
import { messageColumns } from "../../lib/output/columns";
import { csvField, csvRow, messageCsvRow } from "../../lib/output/csv";
import { captureFiles } from "../helpers/fixtures";

test("csvField quotes only what RFC 4180 requires", () => {
  assert.equal(csvField("plain/topic"), "plain/topic");
  assert.equal(csvField("a,b"), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField("two\nlines"), '"two\nlines"');
});

test("the hand-written message row equals the generic column definitions", async () => {
  const messages: MqttMessage[] = [];
  for (const file of captureFiles()) messages.push(...(await analyzeCapture(file, { packets: false })).messages);
  // Awkward values the captures may not have.
  messages.push({ frame: 1, time: 1700000000.000001, relativeTime: 0, stream: 0, direction: "client->server", type: "SUBSCRIBE", length: 10, headerLength: 2, protocolVersion: 4, messageId: 1, subscriptions: [{ topic: "a,b", qos: 1 }, { topic: '"q"', qos: 0 }], clientId: "x,y", malformed: "bad, really" });
  messages.push({ frame: 2, time: 1700000000.9999996, relativeTime: 0, stream: 0, direction: "server->client", type: "CONNACK", length: 4, headerLength: 2, protocolVersion: 4, returnCode: 0, frames: [1, 2] });
  assert.ok(messages.length > 10);
  for (const m of messages) assert.equal(messageCsvRow(m), csvRow(m, messageColumns));
});
