// Our MQTT decoding, checked against Wireshark's dissector on every capture we
// have: per tcp.stream, the sequence of (type, message id, topic) must be the
// same wherever tshark saw no missing segments.
import { test } from "node:test";
import assert from "node:assert/strict";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { PacketType } from "../../lib/mqtt/constants";
import type { MqttMessage } from "../../lib/analysis/types";
import { tsharkMqtt } from "../helpers/tshark";
import { captureFiles, keylogBeside } from "../helpers/fixtures";
import { existsSync } from "node:fs";
import { needTool, publicCapturesDir, publicCapturesHint } from "../helpers/tools";


function key(type: number, messageId: number | undefined, topic: string | undefined): string {
  return `${type}|${messageId ?? ""}|${topic ?? ""}`;
}

function ours(message: MqttMessage): string {
  const type = message.type === "RESERVED" ? 0 : PacketType[message.type];
  // tshark prints mqtt.msgid for QoS > 0 PUBLISH only, like the spec's Packet Identifier.
  const id = message.type === "PUBLISH" && (message.qos ?? 0) === 0 ? undefined : message.messageId;
  const topic = message.topic ?? (message.subscriptions ? message.subscriptions.map((s) => s.topic).join(" ") : message.unsubscriptions?.join(" "));
  return key(type, id, topic);
}

const files = captureFiles();

test("there are captures to compare (fixtures in data/captures, public ones in ../shared)", () => {
  assert.ok(files.length > 0, "no capture files found");
});

test("the public captures are compared too, when present", (t) => {
  if (!existsSync(publicCapturesDir)) return t.skip(publicCapturesHint());
  assert.ok(files.some((f) => f.startsWith(publicCapturesDir)), `no capture files in ${publicCapturesDir}`);
});

/** tshark's MQTT view and packet list of each capture, asked once for both tests below (two tshark runs a capture). */
const tsharkMqttOnce = new Map<string, ReturnType<typeof tsharkMqtt>>();
function tsharkMqttOf(tshark: string, file: string, mqttPorts: number[]): ReturnType<typeof tsharkMqtt> {
  const key = `${file}|${mqttPorts.join(",")}`;
  let found = tsharkMqttOnce.get(key);
  // A TLS capture with its key log beside it (data/captures/mosquitto-tls13.keylog): tshark decrypts with it, as we do.
  if (!found) tsharkMqttOnce.set(key, (found = tsharkMqtt(tshark, file, mqttPorts, { keylog: keylogBeside(file) })));
  return found;
}

/** Streams whose MQTT runs over WebSocket: tshark's MQTT dissector does not register on WebSocket, so it shows none there (test/interop checks those). */
function webSocketStreams(analysis: { connections: Array<{ stream: number; layers?: readonly string[] }> }): Set<number> {
  return new Set(analysis.connections.filter((c) => c.layers?.includes("WebSocket")).map((c) => c.stream));
}

for (const file of files) {
  test(`tshark agrees on MQTT in ${file.split("/").slice(-1)[0]}`, async (t) => {
    const tshark = needTool(t, "tshark");
    if (!tshark) return;
    const tlsKeylog = keylogBeside(file);
    const analysis = await analyzeCapture(file, { packets: false, ...(tlsKeylog ? { tlsKeylog } : {}) });
    const mqttPorts = [...new Set(analysis.connections.filter((c) => c.protocol === "MQTT" && !c.layers?.includes("TLS") && !c.layers?.includes("WebSocket")).map((c) => c.serverPort))];
    const theirs = tsharkMqttOf(tshark, file, mqttPorts);
    const overWebSocket = webSocketStreams(analysis);
    const streams = new Set([...analysis.messages.map((m) => m.stream), ...theirs.messages.map((m) => m.stream)]);
    if (overWebSocket.size > 0 && theirs.messages.length === 0) {
      t.diagnostic(`MQTT over WebSocket only (tcp.stream ${[...overWebSocket].join(", ")}): tshark decodes no MQTT there; test/interop checks the messages against the program's known sequence`);
      return;
    }
    assert.ok(theirs.messages.length > 0, "tshark found no MQTT at all: the comparison would be empty");
    let compared = 0;
    for (const stream of [...streams].sort((a, b) => a - b)) {
      if (overWebSocket.has(stream)) continue;
      const mine = analysis.messages.filter((m) => m.stream === stream).map(ours);
      const wireshark = theirs.messages.filter((m) => m.stream === stream).map((m) => key(m.type, m.messageId, m.topic));
      if (theirs.streamsWithGaps.has(stream)) {
        const same = JSON.stringify(mine) === JSON.stringify(wireshark);
        t.diagnostic(`tcp.stream ${stream}: tshark reports missing segments (not required to match); ours ${mine.length}, tshark ${wireshark.length} messages, ${same ? "identical" : "different"}`);
        continue;
      }
      assert.deepEqual(mine, wireshark, `tcp.stream ${stream} differs from tshark`);
      compared += mine.length;
    }
    t.diagnostic(`${compared} messages identical to tshark`);
  });
}

for (const file of files) {
  test(`tshark agrees on the packet list (Info column) of ${file.split("/").slice(-1)[0]}`, async (t) => {
    const tshark = needTool(t, "tshark");
    if (!tshark) return;
    const tlsKeylog = keylogBeside(file);
    const analysis = await analyzeCapture(file, tlsKeylog ? { tlsKeylog } : {});
    const mqttPorts = [...new Set(analysis.connections.filter((c) => c.protocol === "MQTT" && !c.layers?.includes("TLS") && !c.layers?.includes("WebSocket")).map((c) => c.serverPort))];
    const { streamsWithGaps, rows } = tsharkMqttOf(tshark, file, mqttPorts);
    let compared = 0;
    for (const row of rows) {
      // TCP and MQTT rows only (we do not dissect HTTP or TLS contents), outside streams with missing segments.
      if (row.protocol !== "TCP" && row.protocol !== "MQTT") continue;
      if (row.stream === undefined || streamsWithGaps.has(row.stream)) continue;
      const ours = analysis.packets[row.frame - 1];
      assert.equal(ours.frame, row.frame);
      assert.equal(`${ours.protocol} ${ours.info}`, `${row.protocol} ${row.info}`, `frame ${row.frame}`);
      assert.equal(ours.stream, row.stream, `frame ${row.frame}: tcp.stream`);
      compared++;
    }
    assert.ok(compared > 0, "no rows compared");
    t.diagnostic(`${compared} rows with the same Protocol, Info and tcp.stream as tshark`);
  });
}
