// The same device program on TCP, TLS and WebSocket, phase by phase: the
// bundled recordings, with every figure recomputed here from the phases.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import type { Analysis, Phase } from "../../lib/analysis/types";
import { comparePhases, phaseComparisonColumns } from "../../lib/output/phase-comparison";
import { fixtureDir } from "../helpers/fixtures";

const wire = (p: Phase) => p.clientToServer.bytes + p.serverToClient.bytes;
const layer = (p: Phase) => (p.clientToServer.layerBytes ?? 0) + (p.serverToClient.layerBytes ?? 0);

test("comparePhases: per phase kind, the bytes and latency of each capture, a missing kind costing nothing", async () => {
  const plain = await analyzeCapture(join(fixtureDir, "tutorial.pcapng"));
  const tls = await analyzeCapture(join(fixtureDir, "tutorial-tls.pcapng"));
  const ws = await analyzeCapture(join(fixtureDir, "tutorial-ws.pcapng"));
  const rows = comparePhases([
    { label: "TCP", analysis: plain },
    { label: "TLS", analysis: tls },
    { label: "WebSocket", analysis: ws },
  ]);
  assert.deepEqual(
    rows.map((r) => r.phase),
    ["tcp-handshake", "tls-handshake", "ws-handshake", "connect", "subscribe", "publish", "disconnect", "tcp-teardown", "to CONNACK", "total"],
  );
  const row = (name: string) => rows.find((r) => r.phase === name)!;
  const one = (a: Analysis, kind: Phase["kind"]) => a.phases.find((p) => p.kind === kind)!;

  // The TLS handshake: absent from the plain capture, all of its bytes in TLS's column.
  const handshake = row("tls-handshake");
  assert.deepEqual(handshake.costs[0], { phases: 0, packets: 0, bytes: 0, layerBytes: 0 });
  assert.equal(handshake.costs[1]!.bytes, wire(one(tls, "tls-handshake")));
  assert.equal(handshake.costs[1]!.layerBytes, layer(one(tls, "tls-handshake")));
  assert.ok(handshake.costs[1]!.layerBytes > 0);
  assert.equal(handshake.costs[1]!.latency, one(tls, "tls-handshake").latency);

  const connect = row("connect");
  for (const [i, a] of [plain, tls, ws].entries()) {
    assert.equal(connect.costs[i]!.bytes, wire(one(a, "connect")));
    assert.equal(connect.costs[i]!.latency, one(a, "connect").latency);
  }
  // The same CONNECT costs more inside TLS and WebSocket than on plain TCP.
  assert.ok(connect.costs[1]!.bytes > connect.costs[0]!.bytes && connect.costs[2]!.bytes > connect.costs[0]!.bytes);
  assert.equal(connect.costs[0]!.layerBytes, 0);

  // To CONNACK: every phase up to the connect one; its time runs from the SYN to the CONNACK.
  for (const [i, a] of [plain, tls, ws].entries()) {
    const connectPhase = one(a, "connect");
    const setup = a.phases.filter((p) => p.relativeStart <= connectPhase.relativeStart);
    assert.equal(row("to CONNACK").costs[i]!.bytes, setup.reduce((s, p) => s + wire(p), 0));
    const connack = a.packets.find((p) => p.stream === connectPhase.stream && p.info.includes("Connect Ack"))!;
    assert.equal(row("to CONNACK").costs[i]!.latency, connack.relativeTime - one(a, "tcp-handshake").relativeStart);
    assert.equal(row("total").costs[i]!.bytes, a.phases.reduce((s, p) => s + wire(p), 0));
    assert.equal(row("total").costs[i]!.latency, undefined);
  }
  assert.ok(row("to CONNACK").costs[1]!.latency! > row("to CONNACK").costs[0]!.latency!, "TLS delays the CONNACK");
});

test("phaseComparisonColumns: each capture's bytes and time, and what the others add to the first", async () => {
  const plain = await analyzeCapture(join(fixtureDir, "tutorial.pcapng"));
  const tls = await analyzeCapture(join(fixtureDir, "tutorial-tls.pcapng"));
  const rows = comparePhases([
    { label: "TCP", analysis: plain },
    { label: "TLS", analysis: tls },
  ]);
  const columns = phaseComparisonColumns(["TCP", "TLS"]);
  assert.deepEqual(
    columns.map((c) => c.header),
    ["Phase", "TCP bytes", "TCP time", "TLS bytes", "TLS time", "TLS adds, bytes", "TLS adds, time"],
  );
  const cell = (phase: string, header: string) => columns.find((c) => c.header === header)!.text(rows.find((r) => r.phase === phase)!);
  const handshake = tls.phases.find((p) => p.kind === "tls-handshake")!;
  assert.equal(cell("tls-handshake", "TCP bytes"), "");
  assert.equal(cell("tls-handshake", "TLS bytes"), `${wire(handshake)} (${layer(handshake)} TLS)`);
  assert.equal(cell("tls-handshake", "TLS adds, bytes"), `+${wire(handshake)}`);
  assert.equal(cell("tcp-handshake", "TLS adds, bytes"), "0");
  assert.match(cell("connect", "TLS adds, time"), /^\+/);
});

test("comparePhases: no captures, or captures without phases, give only the summary rows, empty", () => {
  assert.deepEqual(comparePhases([]).map((r) => r.phase), ["to CONNACK", "total"]);
  const rows = comparePhases([{ label: "empty", analysis: { phases: [] } }]);
  assert.deepEqual(rows.map((r) => r.costs), [[{ phases: 0, packets: 0, bytes: 0, layerBytes: 0 }], [{ phases: 0, packets: 0, bytes: 0, layerBytes: 0 }]]);
});
