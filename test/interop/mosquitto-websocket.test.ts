// MQTT over WebSocket from a third party: Mosquitto's `protocol websockets`
// listener and MQTT.js (ws://), live on the loopback under dumpcap and from
// data/captures/mosquitto-ws.pcapng. tshark stops at "WebSocket Binary" (its
// MQTT dissector does not register on WebSocket), so the messages are checked
// against the device program's known sequence, the WebSocket payload bytes
// against tshark's unmasked frame lengths, and the packet list against tshark's.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import type { Analysis } from "../../lib/analysis/types";
import { fixtureDir } from "../helpers/fixtures";
import { assertSamePacketList } from "../helpers/interop-agreement";
import { DEVICE_PROGRAM, recordDeviceRuns, startInteropBroker, type DeviceRun } from "../helpers/mosquitto-interop";
import { tsharkMqtt } from "../helpers/tshark";
import { needCaptureRights, needTool } from "../helpers/tools";

/** The device program as MQTT over WebSocket: upgrade first, then every packet in order, no false malformed issues. */
function assertProgramOverWebSocket(analysis: Analysis, publishMessageId?: number): void {
  assert.deepEqual(
    analysis.messages.map((m) => `${m.direction === "client->server" ? ">" : "<"} ${m.type}`),
    ["> CONNECT", "< CONNACK", "> SUBSCRIBE", "< SUBACK", "> PUBLISH", "< PUBACK", "> DISCONNECT"],
  );
  const [connect, connack, subscribe, suback, publish, puback] = analysis.messages;
  assert.equal(connect!.clientId, DEVICE_PROGRAM.clientId);
  assert.equal(connect!.keepalive, DEVICE_PROGRAM.keepalive);
  assert.equal(connack!.returnCode, 0);
  assert.deepEqual(
    subscribe!.subscriptions?.map((s) => [s.topic, s.qos]),
    [[DEVICE_PROGRAM.subscribeTopic, 1]],
  );
  assert.equal(suback!.messageId, subscribe!.messageId);
  assert.equal(publish!.topic, DEVICE_PROGRAM.publishTopic);
  assert.equal(publish!.qos, 1);
  assert.equal(publish!.payloadLength, Buffer.byteLength(DEVICE_PROGRAM.payload));
  assert.equal(publish!.payloadText, DEVICE_PROGRAM.payload);
  assert.equal(puback!.messageId, publish!.messageId);
  if (publishMessageId !== undefined) assert.equal(publish!.messageId, publishMessageId);

  const kinds = analysis.phases.map((p) => p.kind);
  assert.deepEqual(kinds, ["tcp-handshake", "ws-handshake", "connect", "subscribe", "publish", "disconnect", "tcp-teardown"]);
  const upgrade = analysis.phases.find((p) => p.kind === "ws-handshake")!;
  assert.deepEqual(upgrade.websocket, { path: "/mqtt", protocol: "mqtt", deflate: false, status: 101 });
  assert.ok(upgrade.latency !== undefined && upgrade.latency > 0, "the upgrade's latency (GET → 101)");
  // The HTTP Upgrade ends before the first MQTT byte.
  assert.ok(upgrade.steps.every((s) => s.frame < connect!.frame), "GET and 101 come before the CONNECT");

  const connection = analysis.connections[0]!;
  assert.equal(analysis.connections.length, 1);
  assert.equal(connection.protocol, "MQTT");
  assert.deepEqual(connection.layers, ["WebSocket", "MQTT"]);
  assert.equal(analysis.issues.filter((i) => i.code === "mqtt.malformed" || i.code.startsWith("mqtt.malformed")).length, 0, "no false mqtt.malformed");
  assert.equal(analysis.issues.filter((i) => i.severity === "error").length, 0, `no errors: ${analysis.issues.map((i) => i.code).join(", ")}`);
}

/**
 * The MQTT bytes we decoded, per direction, equal the payload bytes of
 * tshark's binary WebSocket frames (tshark unmasks them): nothing lost,
 * nothing of the HTTP Upgrade taken for MQTT.
 */
function assertMqttBytesEqualWebSocketPayload(tshark: string, file: string, analysis: Analysis, serverPort: number): void {
  const out = execFileSync(tshark, ["-r", file, "-Y", "websocket.opcode == 2", "-T", "fields", "-e", "tcp.srcport", "-e", "websocket.payload_length"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const theirs = { toServer: 0, toClient: 0, frames: 0 };
  for (const line of out.split("\n").filter(Boolean)) {
    const [srcPort, length] = line.split("\t").map(Number);
    if (srcPort === serverPort) theirs.toClient += length!;
    else theirs.toServer += length!;
    theirs.frames++;
  }
  const sum = (direction: string) => analysis.messages.filter((m) => m.direction === direction).reduce((n, m) => n + m.length, 0);
  assert.equal(sum("client->server"), theirs.toServer, "client → server: MQTT bytes = WebSocket binary payload bytes");
  assert.equal(sum("server->client"), theirs.toClient, "server → client: MQTT bytes = WebSocket binary payload bytes");
  assert.ok(theirs.frames >= analysis.messages.length, "at least one binary frame per MQTT packet");
}

/** With the WebSocket port given as an MQTT port: exactly one note, the same messages, no malformed flood. */
async function assertMqttPortNote(file: string, port: number, plain: Analysis): Promise<void> {
  const forced = await analyzeCapture(file, { mqttPorts: [port] });
  const notes = forced.issues.filter((i) => !plain.issues.some((p) => p.code === i.code && p.frame === i.frame));
  assert.equal(notes.length, 1, `exactly one extra issue: ${notes.map((i) => i.code).join(", ")}`);
  assert.equal(notes[0]!.severity, "note");
  assert.match(notes[0]!.message, /WebSocket/);
  assert.equal(forced.issues.filter((i) => i.code.startsWith("mqtt.malformed")).length, 0);
  assert.deepEqual(forced.messages, plain.messages);
}

// ---- live: one Mosquitto (websockets listener) and one dumpcap for the file ----

interface LiveWs {
  capture: string;
  port: number;
  run: DeviceRun;
}

let live: Promise<LiveWs> | undefined;
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function needLive(t: Parameters<typeof needTool>[0]): Promise<{ tshark: string; recording: LiveWs } | undefined> {
  const tshark = needTool(t, "tshark");
  const mosquitto = needTool(t, "mosquitto");
  if (!tshark || !mosquitto || !needTool(t, "dumpcap") || !needCaptureRights(t)) return undefined;
  live ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "iwl-interop-ws-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const broker = await startInteropBroker(mosquitto);
    cleanups.push(() => broker.stop());
    const recorded = await recordDeviceRuns(broker.wsPort, [{ kind: "ws", port: broker.wsPort, path: "/mqtt" }], join(dir, "mosquitto-ws.pcapng"));
    return { capture: recorded.capture.file, port: broker.wsPort, run: recorded.runs[0]! };
  })();
  return { tshark, recording: await live };
}

test("live: MQTT.js over ws:// to Mosquitto: the program's sequence after a ws-handshake phase, no false malformed issues", async (t) => {
  const ready = await needLive(t);
  if (!ready) return;
  const { capture, port, run } = ready.recording;
  // A free port, not a known MQTT or WebSocket port: the HTTP Upgrade alone says WebSocket.
  const analysis = await analyzeCapture(capture);
  assertProgramOverWebSocket(analysis, run.publishMessageId);
  assertMqttBytesEqualWebSocketPayload(ready.tshark, capture, analysis, port);
  assertSamePacketList(ready.tshark, capture, analysis, {}, true);
  assert.equal(tsharkMqtt(ready.tshark, capture, []).messages.length, 0, "tshark decodes no MQTT over WebSocket (if it starts to, compare with it here)");
});

test("live: the WebSocket port given as an MQTT port (mqttPorts) gives one note, not a flood of malformed errors", async (t) => {
  const ready = await needLive(t);
  if (!ready) return;
  const { capture, port } = ready.recording;
  await assertMqttPortNote(capture, port, await analyzeCapture(capture));
});

// ---- the committed recording ----

const fixture = join(fixtureDir, "mosquitto-ws.pcapng");

test("mosquitto-ws.pcapng: the program's sequence over WebSocket, the payload bytes and packet list as tshark's", async (t) => {
  const analysis = await analyzeCapture(fixture);
  assertProgramOverWebSocket(analysis);
  const spanning = analysis.messages.filter((m) => (m.frames?.length ?? 1) > 1).length;
  t.diagnostic(`${spanning} of ${analysis.messages.length} MQTT packets span more than one WebSocket frame (MQTT.js writes header and body separately)`);
  // A frame that carries part of an MQTT packet is in that packet's phase, as for plain MQTT over TCP.
  for (const message of analysis.messages.filter((m) => m.frames !== undefined)) {
    const phases = message.frames!.map((frame) => analysis.packets.find((p) => p.frame === frame)?.phase);
    assert.ok(phases.every((phase) => phase !== undefined && phase === phases[phases.length - 1]), `frames ${message.frames!.join(" ")} of the ${message.type}: phases ${phases.join(" ")}`);
  }
  const tshark = needTool(t, "tshark");
  if (!tshark) return;
  assertMqttBytesEqualWebSocketPayload(tshark, fixture, analysis, 9001);
  assertSamePacketList(tshark, fixture, analysis, {}, true);
});

test("mosquitto-ws.pcapng with mqttPorts [9001]: one note, the same messages", async () => {
  await assertMqttPortNote(fixture, 9001, await analyzeCapture(fixture));
});
