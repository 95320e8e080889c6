// One phase at a time (focusOn, packetsOf, firstPhase), the simulator's
// events replayed from a capture, raw bytes by hand, and the events chart.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { flowGraph } from "../../lib/charts/flow-graph";
import { renderSvg } from "../../lib/display/render";
import { decodeEthernet } from "../../lib/layers/ethernet";
import { takeFrames } from "../../lib/capture/take-frames";
import { hexDump } from "../../lib/display/hex-dump";
import { eventTimeline } from "../../lib/charts/event-timeline";
import { firstPhase, focusOn, packetsOf, phasesOf } from "../../lib/analysis/focus";
import { replayEvents, replaySimulation } from "../../lib/lab/replay";
import { fixtureDir } from "../helpers/fixtures";

const tutorial = join(fixtureDir, "tutorial.pcapng");

test("focusOn keeps one phase's packets, messages and connection, and charts accept it", async () => {
  const analysis = await analyzeCapture(tutorial);
  const connect = firstPhase(analysis, "connect");
  const focus = focusOn(analysis, connect);
  assert.deepEqual(focus.packets.map((p) => p.frame), connect.frames);
  assert.deepEqual(focus.messages.map((m) => m.type), ["CONNECT", "CONNACK"]);
  assert.deepEqual(focus.phases, [connect]);
  assert.equal(focus.connections.length, 1);
  assert.deepEqual(packetsOf(analysis, connect), focus.packets);
  assert.equal(packetsOf(analysis, [connect, firstPhase(analysis, "subscribe")]).length, connect.frames.length + 3);
  assert.match(flowGraph(focus).description, /4 packets/);
  assert.equal(phasesOf(analysis, "publish").length, 1);
  assert.throws(() => firstPhase(analysis, "ping"), /no ping phase \(it has: tcp-handshake, connect/);
});

test("replayEvents: the simulator's events at the frames that caused them", async () => {
  const analysis = await analyzeCapture(tutorial);
  const events = replayEvents(analysis);
  assert.deepEqual(events.map((e) => e.type), ["connected", "subscribed", "published", "acked", "closed"]);
  assert.deepEqual(events[0]!.device, { productKey: "a1WireLabDm", deviceName: "demo-device" });
  const published = events[2]!;
  assert.ok(published.type === "published" && published.payload.startsWith("{\"temperature\":") && published.qos === 1);
  const acked = events[3]!;
  const publish = firstPhase(analysis, "publish");
  assert.ok(acked.type === "acked" && Math.abs(acked.latencyMs - publish.latency! * 1000) < 0.002);
  const closed = events[4]!;
  assert.ok(closed.type === "closed" && closed.clean);
  // Times count from the connection's first frame.
  assert.ok(events[1]!.elapsedMs > 3000 && events[1]!.elapsedMs < 3100);
  const iterated = [];
  for await (const event of replaySimulation(analysis)) iterated.push(event);
  assert.deepEqual(iterated, events);
});

test("replayEvents: a refused login is an error event; QoS 2 is acknowledged by PUBCOMP", async () => {
  const refused = replayEvents(await analyzeCapture(join(fixtureDir, "refused-login.pcapng")), { stream: 0 });
  assert.equal(refused.find((e) => e.type === "error")?.type, "error");
  const qos2 = replayEvents(await analyzeCapture(join(fixtureDir, "qos0-1-2.pcapng")), { stream: 2 });
  assert.deepEqual(qos2.filter((e) => e.type === "acked").length, 1);
});

test("takeFrames copies bytes; hexDump lays them out like Wireshark's bytes pane", async () => {
  const [first, second] = await takeFrames(tutorial, 2);
  assert.equal(first!.frame, 1);
  assert.equal(second!.frame, 2);
  assert.notEqual(first!.bytes.buffer, second!.bytes.buffer);
  assert.equal(decodeEthernet(first!.bytes).etherType, 0x0800);
  const dump = hexDump(first!.bytes).split("\n");
  assert.equal(dump[0], "0000  00 00 00 00 00 00 00 00  00 00 00 00 08 00 45 00   ..............E.");
  assert.equal(dump.length, Math.ceil(first!.bytes.length / 16));
  // DISCONNECT: 46 spaces pad the hex column of a 2-byte line.
  assert.equal(hexDump(Uint8Array.from([0xe0, 0x00])), `0000  e0 00${" ".repeat(46)}..`);
  // Part of a line keeps its columns: bytes 0x12 and 0x13 (0x20 is a printable space).
  assert.equal(hexDump(first!.bytes, { start: 0x12, end: 0x14 }), `0010        98 20${" ".repeat(42)}.`);
  assert.deepEqual(await takeFrames(tutorial, 0), []);
});

test("eventTimeline draws a run (live or replayed) with its planned steps", async () => {
  const events = replayEvents(await analyzeCapture(tutorial));
  const spec = eventTimeline(events, { speed: 1 });
  assert.match(spec.description, /5 events of a1WireLabDm\/demo-device, planned steps at 3\.013, 5\.013, 8\.013 s/);
  const svg = await renderSvg(spec);
  assert.match(svg, /^<svg/);
  assert.match(svg, /granted QoS 1/);
  assert.match(eventTimeline([]).description, /0 events/);
});
