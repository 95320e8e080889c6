import { test } from "node:test";
import assert from "node:assert/strict";
import { analyzeCapture } from "../../lib/analysis/analyze";
import type { MqttMessage } from "../../lib/analysis/types";
import type { MqttMessageDraft } from "../../lib/mqtt/types";
import { messageColumns } from "../../lib/output/columns";
import { ByteBuffer } from "../../lib/output/byte-buffer";
import { csvField, csvRow, messageCsvRow, writeMessageCsvRow } from "../../lib/output/csv";
import { captureFiles } from "../helpers/fixtures";

test("csvField quotes only what RFC 4180 requires", () => {
  assert.equal(csvField("plain/topic"), "plain/topic");
  assert.equal(csvField("a,b"), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField("two\nlines"), '"two\nlines"');
});

test("text cells that a spreadsheet would run as a formula get a leading quote (OWASP CSV injection)", () => {
  assert.equal(csvField("=cmd|' /C calc'!A0"), "=cmd|' /C calc'!A0".replace(/^/, "'"));
  assert.equal(csvField("+1+1"), "'+1+1");
  assert.equal(csvField("-2+3"), "'-2+3");
  assert.equal(csvField("@SUM(A1)"), "'@SUM(A1)");
  assert.equal(csvField("\t=1"), "'\t=1");
  assert.equal(csvField("\r=1"), '"\'\r=1"');
  assert.equal(csvField("=1,2"), `"'=1,2"`);
  assert.equal(csvField("a=b"), "a=b");
  assert.equal(csvField(""), "");
});

test("a hostile message writes guarded text cells, and negative numbers stay numbers, in both CSV writers", () => {
  const m: MqttMessage = { frame: 7, time: -1.25, relativeTime: 0, stream: 0, direction: "client->server", type: "CONNECT", length: 40, headerLength: 2, protocolVersion: 4, clientId: "=cmd|' /C calc'!A0", username: "@user", malformed: "-bad", reasonCode: -3 };
  const generic = csvRow(m, messageColumns);
  assert.equal(messageCsvRow(m), generic);
  const cells = generic.split(",");
  const at = (header: string) => cells[messageColumns.findIndex((c) => c.header === header)];
  assert.equal(at("clientId"), "'=cmd|' /C calc'!A0");
  assert.equal(at("username"), "'@user");
  assert.equal(at("malformed"), "'-bad");
  assert.match(at("time"), /^-\d/); // a number, not prefixed
  assert.equal(at("reasonCode"), "-3");
});

test("the hand-written message row equals the generic column definitions", async () => {
  const messages: MqttMessage[] = [];
  for (const file of captureFiles()) messages.push(...(await analyzeCapture(file, { packets: false })).messages);
  // Awkward values the captures may not have.
  messages.push({ frame: 1, time: 1700000000.000001, relativeTime: 0, stream: 0, direction: "client->server", type: "SUBSCRIBE", length: 10, headerLength: 2, protocolVersion: 4, messageId: 1, subscriptions: [{ topic: "a,b", qos: 1 }, { topic: '"q"', qos: 0 }], clientId: "x,y", malformed: "bad, really" } as MqttMessage);
  messages.push({ frame: 2, time: 1700000000.9999996, relativeTime: 0, stream: 0, direction: "server->client", type: "CONNACK", length: 4, headerLength: 2, protocolVersion: 4, returnCode: 0, frames: [1, 2] } as MqttMessage);
  assert.ok(messages.length > 10);
  for (const m of messages) assert.equal(messageCsvRow(m), csvRow(m, messageColumns));
});

test("rows written as bytes are the UTF-8 of the generic column definitions' rows", async () => {
  const messages: MqttMessage[] = [];
  for (const file of captureFiles()) messages.push(...(await analyzeCapture(file, { packets: false })).messages);
  const base = { relativeTime: 0, stream: 7, direction: "client->server", headerLength: 2, protocolVersion: 5 } as const;
  // Awkward records that mix the fields of several types, as no decoder builds them.
  const awkward: MqttMessageDraft[] = [
    { ...base, frame: 1, time: 1700000000.000001, type: "SUBSCRIBE", length: 10, messageId: 65535, subscriptions: [{ topic: "a,b", qos: 1 }, { topic: '"q"', qos: 0 }], clientId: "x,y", malformed: "bad, really" },
    { ...base, frame: 2, time: 1700000000.9999996, type: "CONNACK", length: 4, reasonCode: 0x87, frames: [1, 2, 1234567] },
    { ...base, frame: 3, time: 0.5, type: "PUBLISH", length: 300, topic: "température/Zürich/温度/😀", qos: 2, payloadLength: 0, username: "ünï\ncode" },
    { ...base, frame: 4, time: -1.25, type: "UNSUBSCRIBE", length: 8, unsubscriptions: ["x", "y,z"], username: "line\r\nbreak" },
    { ...base, frame: 9007199254740993, time: 4102444800.1234565, type: "PUBLISH", length: 1.5, topic: "", payloadLength: Number.NaN, clientId: "lone \ud800 surrogate" },
    { ...base, frame: 5, time: 1700000000, type: "PINGREQ", length: 2, stream: 0 },
  ];
  messages.push(...(awkward as MqttMessage[]));
  const out = new ByteBuffer(64);
  for (const m of messages) {
    out.length = 0;
    writeMessageCsvRow(m, out);
    // Against the generic column definitions, compared as bytes: a lone
    // surrogate is U+FFFD in both, which strings would not show.
    const expected = Buffer.from(csvRow(m, messageColumns), "utf8");
    assert.equal(out.bytes.subarray(0, out.length).toString("utf8"), expected.toString("utf8"), `frame ${m.frame} of stream ${m.stream}`);
    assert.ok(expected.equals(out.bytes.subarray(0, out.length)), `frame ${m.frame}: same text, different bytes`);
  }
});
