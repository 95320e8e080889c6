import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import type { Analysis } from "../../lib/analysis/types";
import { bytesChart } from "../../lib/charts/bytes-chart";
import { flowGraph } from "../../lib/charts/flow-graph";
import { latencyChart } from "../../lib/charts/latency-chart";
import { phaseColors } from "../../lib/charts/palette";
import { phaseTimeline } from "../../lib/charts/phase-timeline";
import { sequenceGraph } from "../../lib/charts/sequence-graph";
import type { ChartSpec } from "../../lib/charts/spec";
import { fixtureDir } from "../helpers/fixtures";
import { publicCapturesDir, publicCapturesHint } from "../helpers/tools";
import { deepFreeze, syntheticAnalysis } from "./synthetic";

type Json = Record<string, unknown>;

/** Every inline dataset of a spec, by the mark of the unit that owns it (or "top"). */
function datasets(spec: unknown): Json[][] {
  const found: Json[][] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== "object" || node === null) return;
    const n = node as Json;
    const values = (n.data as { values?: Json[] } | undefined)?.values;
    if (Array.isArray(values)) found.push(values);
    for (const key of ["layer", "hconcat", "vconcat"]) if (key in n) visit(n[key]);
  };
  visit(spec);
  return found;
}

/** The main dataset: the largest. */
function rowsOf(spec: ChartSpec): Json[] {
  return datasets(spec).sort((a, b) => b.length - a.length)[0] ?? [];
}

function subtitle(spec: ChartSpec): string {
  const title = spec.title as { subtitle?: string | string[] } | undefined;
  const sub = title?.subtitle ?? "";
  return Array.isArray(sub) ? sub.join("\n") : sub;
}

/** Every {domain, range} colour scale in the spec. */
function colorScales(spec: unknown): Array<{ domain: string[]; range: string[] }> {
  const found: Array<{ domain: string[]; range: string[] }> = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== "object" || node === null) return;
    const n = node as Json;
    const color = (n.encoding as Json | undefined)?.color as { scale?: { domain?: string[]; range?: string[] } } | undefined;
    if (color?.scale?.domain && color.scale.range) found.push({ domain: color.scale.domain, range: color.scale.range });
    for (const key of ["layer", "hconcat", "vconcat"]) if (key in n) visit(n[key]);
  };
  visit(spec);
  return found;
}

const small = (): Analysis => syntheticAnalysis({ connections: 2, phasesPerConnection: 8 });

test("flowGraph: one arrow per packet of the stream, in capture order, device → platform drawn left to right", () => {
  const analysis = small();
  const expected = analysis.packets.filter((p) => p.stream === 1);
  const spec = flowGraph(analysis, { stream: 1 });
  const rows = rowsOf(spec);
  assert.equal(rows.length, expected.length);
  rows.forEach((row, i) => {
    const packet = expected[i];
    assert.equal(row.frame, packet.frame);
    assert.equal(row.info, packet.info);
    assert.equal(row.phase, packet.phase);
    const rightward = (row.x1 as number) < (row.x2 as number);
    assert.equal(rightward, packet.direction === "client->server", `frame ${packet.frame}`);
  });
  assert.match(subtitle(spec), new RegExp(`${expected.length} packets`));
  assert.match(spec.description, /Flow graph/);
});

test("flowGraph: labels are shortened like Wireshark's Info column, the tooltip keeps the full text", () => {
  const analysis = small();
  analysis.packets[3].info = `Publish Message (id=7) [${"very/long/topic/".repeat(8)}]`;
  const rows = rowsOf(flowGraph(analysis, { labelLength: 40 }));
  const row = rows.find((r) => r.frame === analysis.packets[3].frame)!;
  assert.equal((row.label as string).length, 40);
  assert.ok((row.label as string).endsWith("…"));
  assert.equal(row.info, analysis.packets[3].info);
});

test("flowGraph: beyond maxArrows it shows the first N and says how many were left out", () => {
  const analysis = small();
  const spec = flowGraph(analysis, { maxArrows: 5 });
  assert.equal(rowsOf(spec).length, 5);
  assert.deepEqual(
    rowsOf(spec).map((r) => r.frame),
    analysis.packets.slice(0, 5).map((p) => p.frame),
  );
  assert.match(subtitle(spec), new RegExp(`first 5 of ${analysis.packets.length} packets`));
});

test("flowGraph: a time window keeps only packets inside it", () => {
  const analysis = small();
  const spec = flowGraph(analysis, { from: 0.02, to: 0.045 });
  const rows = rowsOf(spec);
  const expected = analysis.packets.filter((p) => p.relativeTime >= 0.02 && p.relativeTime <= 0.045);
  assert.ok(expected.length > 0);
  assert.deepEqual(
    rows.map((r) => r.frame),
    expected.map((p) => p.frame),
  );
});

test("flowGraph: without a packet list it draws the MQTT messages", async (t) => {
  const file = join(publicCapturesDir, "sv_mqtt311-pub-qos2.pcap");
  if (!existsSync(file)) return t.skip(publicCapturesHint(file));
  const analysis = await analyzeCapture(file, { packets: false });
  const rows = rowsOf(flowGraph(analysis));
  assert.equal(rows.length, analysis.messages.length);
  assert.deepEqual(
    rows.map((r) => r.label),
    ["Connect Command", "Connect Ack", "Publish Message (id=1) [topicX]", "Publish Received (id=1)", "Publish Release (id=1)", "Publish Complete (id=1)", "Disconnect Req"],
  );
  assert.equal(rows[2].phase, "publish");
});

test("phaseTimeline: one connection → a row per phase kind in protocol order; several → a row per connection", () => {
  const analysis = small();
  const one = phaseTimeline(analysis, { stream: 0 });
  const rows = rowsOf(one);
  assert.equal(rows.length, 8);
  assert.deepEqual([...new Set(rows.map((r) => r.row))], ["tcp-handshake", "connect", "subscribe", "publish", "disconnect", "tcp-teardown"]);
  const both = rowsOf(phaseTimeline(analysis));
  assert.equal(both.length, 16);
  assert.deepEqual([...new Set(both.map((r) => r.row))], ["stream 0 · sensor-0000", "stream 1 · sensor-0001"]);
});

test("phaseTimeline: bars span start to end in the axis unit, and short phases stay visible", () => {
  const analysis = small();
  const rows = rowsOf(phaseTimeline(analysis, { stream: 1 }));
  const phases = analysis.phases.filter((p) => p.stream === 1);
  const axisEnd = Math.max(...phases.map((p) => p.relativeEnd));
  // The capture lasts about 70 ms: the axis is in ms.
  rows.forEach((row, i) => {
    assert.ok(Math.abs((row.start as number) - phases[i].relativeStart * 1e3) < 1e-6);
    assert.ok(Math.abs((row.end as number) - phases[i].relativeEnd * 1e3) < 1e-6);
    assert.ok((row.barEnd as number) - (row.start as number) >= axisEnd * 1e3 * 0.004 - 1e-9, "at least 0.4 % of the axis");
  });
  const disconnect = rows.find((r) => r.kind === "disconnect")!;
  assert.equal(disconnect.start, disconnect.end, "a one-packet phase has no duration");
});

test("phaseTimeline: beyond maxConnections it summarises per phase kind in time bands", () => {
  const analysis = syntheticAnalysis({ connections: 30, phasesPerConnection: 20, packets: false });
  const spec = phaseTimeline(analysis, { maxConnections: 10, bins: 50 });
  const rows = rowsOf(spec);
  assert.match(subtitle(spec), /30 connection\(s\) · 600 phases/);
  assert.ok(rows.length <= 9 * 50);
  // Every phase is counted once, in the bin where it starts.
  const started = rows.reduce((sum, r) => sum + (r.started as number), 0);
  assert.equal(started, 600);
  const forced = phaseTimeline(analysis, { mode: "connections", maxConnections: 10 });
  assert.equal(new Set(rowsOf(forced).map((r) => r.stream)).size, 10);
  assert.match(subtitle(forced), /first 10 of 30 connections/);
});

test("latencyChart: each measured exchange as a point, in the axis unit, with the median", () => {
  const analysis = small();
  const spec = latencyChart(analysis, { stream: 0 });
  const points = datasets(spec).find((d) => d.length > 0 && "value" in d[0])!;
  // The teardown's duration is not a response time: it is not charted.
  const timed = analysis.phases.filter((p) => p.stream === 0 && p.latency !== undefined && p.kind !== "tcp-teardown");
  assert.equal(points.length, timed.length);
  // Latencies are 150–645 µs: the axis is in µs.
  const expected = timed.map((p) => Number((p.latency! * 1e6).toPrecision(6))).sort((a, b) => a - b);
  assert.deepEqual(
    points.map((p) => p.value as number).sort((a, b) => a - b),
    expected,
  );
  const labels = datasets(spec).find((d) => d.length > 0 && "median" in d[0])!;
  assert.deepEqual(
    labels.map((l) => l.row),
    ["TCP handshake (SYN → ACK)", "CONNECT → CONNACK", "SUBSCRIBE → SUBACK", "PUBLISH → PUBACK (QoS 1, device)"],
  );
  const publish = labels.find((l) => (l.row as string).startsWith("PUBLISH"))!;
  assert.match(publish.label as string, /^median .* \(n = 3\)$/);
});

test("latencyChart: for a fleet, box plots from percentiles of all measurements", () => {
  const analysis = syntheticAnalysis({ connections: 100, phasesPerConnection: 30, packets: false });
  const spec = latencyChart(analysis);
  const rows = rowsOf(spec);
  const ping = rows.find((r) => r.row === "PINGREQ → PINGRESP")!;
  const values = analysis.phases
    .filter((p) => p.kind === "ping")
    .map((p) => p.latency!)
    .sort((a, b) => a - b);
  const at = (q: number) => Number((values[Math.min(values.length - 1, Math.floor(q * values.length))] * 1e6).toPrecision(6));
  assert.equal(ping.n, values.length);
  assert.equal(ping.median, at(0.5));
  assert.equal(ping.q1, at(0.25));
  assert.equal(ping.q3, at(0.75));
  assert.equal(ping.p95, at(0.95));
  assert.match(subtitle(spec), /25th–75th percentile/);
});

test("bytesChart: the parts of each bar add up to the phases' bytes, per direction", () => {
  const analysis = small();
  const spec = bytesChart(analysis);
  const parts = datasets(spec).filter((d) => d.length > 0 && "part" in d[0]);
  assert.equal(parts.length, 2, "one dataset per direction panel");
  for (const [dataset, direction, side] of [
    [parts[0], "device → platform", "clientToServer"],
    [parts[1], "platform → device", "serverToClient"],
  ] as const) {
    for (const kind of ["connect", "publish", "tcp-handshake"] as const) {
      const sum = dataset.filter((r) => r.kind === kind && r.direction === direction).reduce((s, r) => s + (r.value as number), 0);
      const expected = analysis.phases.filter((p) => p.kind === kind).reduce((s, p) => s + p[side].bytes, 0);
      assert.equal(sum, expected, `${kind} ${direction}`);
    }
  }
  const payload = parts[0].filter((r) => r.part === "payload").reduce((s, r) => s + (r.value as number), 0);
  assert.equal(payload, 42 * 6, "six PUBLISHes of 42 bytes");
  assert.match(subtitle(spec), /payload is \d+\.\d % of the/);
  const mean = rowsOf(bytesChart(analysis, { measure: "mean", stream: 0 }));
  const handshake = mean.filter((r) => r.kind === "tcp-handshake" && r.direction === "device → platform");
  assert.equal(handshake.reduce((s, r) => s + (r.value as number), 0), 132, "two 66-byte packets per handshake");
});

test("sequenceGraph: a stroke per segment that takes sequence numbers, and the other side's ACKs", () => {
  const analysis = small();
  const spec = sequenceGraph(analysis, { stream: 1 });
  const rows = rowsOf(spec);
  const stream = analysis.packets.filter((p) => p.stream === 1);
  const up = stream.filter((p) => p.direction === "client->server" && ((p.tcpLength ?? 0) > 0 || (p.tcpFlags! & 0x03) !== 0));
  const segments = rows.filter((r) => r.series === "segment" && r.panel === "device → platform");
  assert.equal(segments.length, up.length);
  segments.forEach((s, i) => {
    const span = (up[i].tcpLength ?? 0) + (up[i].tcpFlags! & 0x02 ? 1 : 0) + (up[i].tcpFlags! & 0x01 ? 1 : 0);
    assert.equal(s.seq, up[i].seq);
    assert.equal((s.end as number) - (s.seq as number), span);
  });
  // ACKs sent by the platform are drawn in the device → platform panel.
  const acks = rows.filter((r) => r.series === "ack" && r.panel === "device → platform");
  assert.equal(acks.length, stream.filter((p) => p.direction === "server->client" && p.tcpFlags! & 0x10).length);
});

test("sequenceGraph: a long connection is binned by time", () => {
  const analysis = syntheticAnalysis({ connections: 1, phasesPerConnection: 400 });
  const spec = sequenceGraph(analysis, { stream: 0, maxPoints: 100 });
  const segments = rowsOf(spec).filter((r) => r.series === "segment" && r.panel === "device → platform");
  assert.ok(segments.length <= 50, `${segments.length} bins`);
  // Bins cover the whole sequence space: from 0 to the last byte sent.
  const lastEnd = Math.max(...segments.map((s) => s.end as number));
  const sent = analysis.phases.reduce((s, p) => s + p.clientToServer.mqttHeaderBytes + p.clientToServer.payloadBytes, 0) + 2;
  assert.equal(lastEnd, sent, "payload plus SYN and FIN");
  assert.match(subtitle(spec), /Binned: device → platform/);
});

test("every chart gives each phase kind its palette colour", () => {
  const analysis = small();
  const specs = [flowGraph(analysis), phaseTimeline(analysis), phaseTimeline(analysis, { stream: 0 }), latencyChart(analysis), sequenceGraph(analysis)];
  let checked = 0;
  for (const spec of specs) {
    for (const { domain, range } of colorScales(spec)) {
      domain.forEach((kind, i) => {
        if (kind in phaseColors) {
          assert.equal(range[i], phaseColors[kind as keyof typeof phaseColors], `${kind} in ${spec.description}`);
          checked++;
        }
      });
    }
  }
  assert.ok(checked > 15, `${checked} colours checked`);
});

test("builders never modify the analysis", () => {
  const analysis = deepFreeze(small());
  assert.doesNotThrow(() => {
    flowGraph(analysis);
    flowGraph(analysis, { stream: 0, from: 0, to: 1, maxArrows: 3 });
    phaseTimeline(analysis);
    phaseTimeline(analysis, { mode: "bands" });
    latencyChart(analysis);
    latencyChart(analysis, { mode: "distribution" });
    bytesChart(analysis);
    bytesChart(analysis, { measure: "mean" });
    sequenceGraph(analysis);
    sequenceGraph(analysis, { maxPoints: 10 });
  });
});

test("an empty analysis gives a chart that says why, not an error", () => {
  const analysis = syntheticAnalysis({ connections: 0, phasesPerConnection: 6 });
  for (const spec of [flowGraph(analysis), phaseTimeline(analysis), latencyChart(analysis), bytesChart(analysis), sequenceGraph(analysis)]) {
    const rows = rowsOf(spec);
    assert.equal(rows.length, 1);
    assert.equal(typeof rows[0].message, "string");
    assert.match(spec.description, /: /);
  }
  assert.match(rowsOf(flowGraph(small(), { stream: 9 }))[0].message as string, /no TCP packets match/);
});

test("real captures: every builder describes what it shows", async (t) => {
  if (!existsSync(publicCapturesDir)) return t.skip(publicCapturesHint());
  for (const name of readdirSync(publicCapturesDir).filter((n) => n.endsWith(".pcap"))) {
    const analysis = await analyzeCapture(join(publicCapturesDir, name));
    for (const spec of [flowGraph(analysis), phaseTimeline(analysis), latencyChart(analysis), bytesChart(analysis), sequenceGraph(analysis)]) {
      assert.equal(spec.$schema, "https://vega.github.io/schema/vega-lite/v6.json");
      assert.ok(spec.description.length > 10, `${name}: ${spec.description}`);
      assert.ok(!spec.description.includes("\n"));
    }
  }
});

test("latencyChart: the TLS handshake and the WebSocket Upgrade are timed rows, in the phases' colours", async () => {
  for (const [file, kind, row] of [
    ["tutorial-tls.pcapng", "tls-handshake", "TLS handshake (ClientHello → server Finished)"],
    ["tutorial-ws.pcapng", "ws-handshake", "WebSocket Upgrade (GET → 101)"],
  ] as const) {
    const analysis = await analyzeCapture(join(fixtureDir, file));
    const phase = analysis.phases.find((p) => p.kind === kind)!;
    assert.ok(phase.latency !== undefined, `${file}: the ${kind} phase is timed`);
    const spec = latencyChart(analysis);
    const labels = datasets(spec).find((d) => d.length > 0 && "median" in d[0])!;
    const rows = labels.map((l) => l.row);
    // In protocol order: after the TCP handshake, before the CONNECT.
    assert.deepEqual(rows.slice(0, 3), ["TCP handshake (SYN → ACK)", row, "CONNECT → CONNACK"], file);
    assert.ok(JSON.stringify(spec).includes(phaseColors[kind]), `${file}: ${kind} drawn in ${phaseColors[kind]}`);
  }
});
