// MQTT over TLS from a third party: Debian's Mosquitto (a TLS listener with a
// throwaway certificate) and MQTT.js, live on the loopback under dumpcap and
// from the committed recordings in data/captures. With the device's key log
// our decrypted MQTT equals tshark's (`-o tls.keylog_file:`), stream by
// stream, for TLS 1.3 and TLS 1.2; the pcapng copy with the keys embedded
// (editcap --inject-secrets) decrypts with no option; without keys the
// analysis stops at the tls-handshake phase and says how to get a key log.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import type { Analysis } from "../../lib/analysis/types";
import { fixtureDir } from "../helpers/fixtures";
import { assertSameMqttAsTshark, assertSamePacketList } from "../helpers/interop-agreement";
import { DEVICE_PROGRAM, recordDeviceRuns, startInteropBroker, TLS12_CIPHERS, type DeviceRun } from "../helpers/mosquitto-interop";
import { needCaptureRights, needTool } from "../helpers/tools";

const PROGRAM_TYPES = ["CONNECT", "CONNACK", "SUBSCRIBE", "SUBACK", "PUBLISH", "PUBACK", "DISCONNECT"];

/** The device program's messages on one stream, in order, with the PUBLISH as the program sent it. */
function assertProgram(analysis: Analysis, stream: number): void {
  const messages = analysis.messages.filter((m) => m.stream === stream);
  assert.deepEqual(
    messages.map((m) => m.type),
    PROGRAM_TYPES,
    `tcp.stream ${stream}: the device program's sequence`,
  );
  const publish = messages.find((m) => m.type === "PUBLISH")!;
  assert.equal(publish.topic, DEVICE_PROGRAM.publishTopic);
  assert.equal(publish.qos, 1);
  assert.equal(publish.payloadLength, Buffer.byteLength(DEVICE_PROGRAM.payload));
  assert.equal(messages.find((m) => m.type === "CONNECT")!.clientId, DEVICE_PROGRAM.clientId);
  assert.equal(messages.find((m) => m.type === "PUBACK")!.messageId, publish.messageId);
}

/** Without keys: per stream a tls-handshake phase, one tls.encrypted issue naming both ways to get a key log, and no MQTT. */
function assertEncryptedOnly(analysis: Analysis, streams: number[]): void {
  assert.equal(analysis.messages.length, 0, "no MQTT without keys");
  for (const stream of streams) {
    const kinds = analysis.phases.filter((p) => p.stream === stream).map((p) => p.kind);
    assert.ok(kinds.includes("tls-handshake"), `tcp.stream ${stream}: a tls-handshake phase (${kinds.join(", ")})`);
    for (const kind of ["connect", "subscribe", "publish", "disconnect"]) assert.ok(!kinds.includes(kind as never), `tcp.stream ${stream}: no ${kind} phase without keys`);
    const encrypted = analysis.issues.filter((i) => i.code === "tls.encrypted" && i.stream === stream);
    assert.equal(encrypted.length, 1, `tcp.stream ${stream}: one tls.encrypted issue`);
    assert.match(encrypted[0]!.message, /key log/);
    assert.match(encrypted[0]!.message, /NODE_OPTIONS=--tls-keylog=/);
    assert.match(encrypted[0]!.message, /SSLKEYLOGFILE/);
    const connection = analysis.connections.find((c) => c.stream === stream)!;
    assert.equal(connection.protocol, "TLS");
  }
}

/** The handshake phase names what the device negotiated. */
function assertHandshake(analysis: Analysis, stream: number, run: Pick<DeviceRun, "protocol" | "cipher">, decrypted: boolean): void {
  const phase = analysis.phases.find((p) => p.stream === stream && p.kind === "tls-handshake");
  assert.ok(phase?.tls, `tcp.stream ${stream}: tls-handshake phase with details`);
  assert.equal(phase.tls.version, run.protocol);
  assert.equal(phase.tls.cipherSuite, run.cipher);
  assert.equal(phase.tls.decrypted, decrypted);
  assert.equal(phase.tls.roundTrips, run.protocol === "TLSv1.3" ? 1 : 2);
  const connection = analysis.connections.find((c) => c.stream === stream)!;
  assert.deepEqual(connection.layers, decrypted ? ["TLS", "MQTT"] : ["TLS"]);
}

// ---- live: one Mosquitto and one dumpcap for the file; TLS 1.3 then TLS 1.2 ----

interface LiveTls {
  dir: string;
  capture: string;
  keylog: string;
  port: number;
  runs: DeviceRun[];
}

let live: Promise<LiveTls> | undefined;
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function liveRecording(mosquitto: string): Promise<LiveTls> {
  live ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "iwl-interop-tls-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const broker = await startInteropBroker(mosquitto);
    cleanups.push(() => broker.stop());
    const recorded = await recordDeviceRuns(
      broker.tlsPort,
      [
        { kind: "tls", port: broker.tlsPort, ca: broker.ca, maxVersion: "TLSv1.3" },
        { kind: "tls", port: broker.tlsPort, ca: broker.ca, maxVersion: "TLSv1.2", ciphers: TLS12_CIPHERS },
      ],
      join(dir, "mosquitto-tls.pcapng"),
    );
    const keylog = join(dir, "mosquitto-tls.keylog");
    writeFileSync(keylog, recorded.keylog);
    return { dir, capture: recorded.capture.file, keylog, port: broker.tlsPort, runs: recorded.runs };
  })();
  return live;
}

async function needLive(t: Parameters<typeof needTool>[0]): Promise<{ tshark: string; recording: LiveTls } | undefined> {
  const tshark = needTool(t, "tshark");
  const mosquitto = needTool(t, "mosquitto");
  if (!tshark || !mosquitto || !needTool(t, "dumpcap") || !needCaptureRights(t)) return undefined;
  return { tshark, recording: await liveRecording(mosquitto) };
}

test("live: MQTT.js negotiated TLS 1.3 then TLS 1.2 (ECDHE-ECDSA AES-128-GCM) with Mosquitto, one tcp.stream each", async (t) => {
  const ready = await needLive(t);
  if (!ready) return;
  const [tls13, tls12] = ready.recording.runs;
  assert.equal(tls13!.protocol, "TLSv1.3");
  assert.equal(tls12!.protocol, "TLSv1.2");
  assert.equal(tls12!.cipher, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
  assert.match(tls13!.keylog, /^CLIENT_HANDSHAKE_TRAFFIC_SECRET /m);
  assert.match(tls12!.keylog, /^CLIENT_RANDOM /m);
});

test("live: with the key log, our MQTT equals tshark's per stream (TLS 1.3 and TLS 1.2 on a port tshark must be told about)", async (t) => {
  const ready = await needLive(t);
  if (!ready) return;
  const { capture, keylog, port, runs } = ready.recording;
  // No tlsPorts: the port is not 8883, so the ClientHello heuristic has to find TLS.
  const analysis = await analyzeCapture(capture, { tlsKeylog: keylog });
  const compared = assertSameMqttAsTshark(ready.tshark, capture, analysis, { keylog, tlsPorts: [port] });
  assert.equal(compared, 2 * PROGRAM_TYPES.length);
  runs.forEach((run, stream) => {
    assertProgram(analysis, stream);
    assertHandshake(analysis, stream, run, true);
  });
  assertSamePacketList(ready.tshark, capture, analysis, { keylog, tlsPorts: [port] });
  t.diagnostic(`${compared} messages and ${analysis.packets.length} rows identical to tshark`);
});

test("live: the pcapng copy with the keys embedded (editcap --inject-secrets) decrypts with no key log option", async (t) => {
  const ready = await needLive(t);
  const editcap = ready && needTool(t, "editcap");
  if (!ready || !editcap) return;
  const { capture, keylog, port, dir } = ready.recording;
  const withSecrets = join(dir, "mosquitto-tls-dsb.pcapng");
  execFileSync(editcap, ["--inject-secrets", `tls,${keylog}`, capture, withSecrets]);
  const fromKeylog = await analyzeCapture(capture, { tlsKeylog: keylog, packets: false });
  const embedded = await analyzeCapture(withSecrets, { packets: false });
  assert.deepEqual(
    embedded.messages.map((m) => ({ ...m })),
    fromKeylog.messages.map((m) => ({ ...m })),
  );
  assertSameMqttAsTshark(ready.tshark, withSecrets, embedded, { tlsPorts: [port] });
});

test("live: without keys, tls-handshake phases, one tls.encrypted issue per stream, 0 MQTT messages", async (t) => {
  const ready = await needLive(t);
  if (!ready) return;
  const { capture, port, runs } = ready.recording;
  const analysis = await analyzeCapture(capture);
  assertEncryptedOnly(analysis, [0, 1]);
  runs.forEach((run, stream) => assertHandshake(analysis, stream, run, false));
  assertSamePacketList(ready.tshark, capture, analysis, { tlsPorts: [port] });
});

// ---- the committed recordings (data/captures/mosquitto-tls1*.pcapng) ----

for (const [name, version, cipher] of [
  ["mosquitto-tls13", "TLSv1.3", "TLS_AES_256_GCM_SHA384"],
  ["mosquitto-tls12", "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"],
] as const) {
  const capture = join(fixtureDir, `${name}.pcapng`);
  const keylog = join(fixtureDir, `${name}.keylog`);

  test(`${name}.pcapng with its key log: the same MQTT messages and packet list as tshark`, async (t) => {
    const tshark = needTool(t, "tshark");
    if (!tshark) return;
    const analysis = await analyzeCapture(capture, { tlsKeylog: keylog });
    assertSameMqttAsTshark(tshark, capture, analysis, { keylog });
    assertProgram(analysis, 0);
    assertHandshake(analysis, 0, { protocol: version, cipher }, true);
    assert.deepEqual(
      analysis.phases.map((p) => p.kind),
      ["tcp-handshake", "tls-handshake", "connect", "subscribe", "publish", "disconnect", "tcp-teardown"],
    );
    assertSamePacketList(tshark, capture, analysis, { keylog });
  });

  test(`${name}.pcapng without keys: tls-handshake, tls.encrypted, no MQTT, tshark's packet list`, async (t) => {
    const analysis = await analyzeCapture(capture);
    assertEncryptedOnly(analysis, [0]);
    assertHandshake(analysis, 0, { protocol: version, cipher }, false);
    const tshark = needTool(t, "tshark");
    if (tshark) assertSamePacketList(tshark, capture, analysis);
  });
}

test("mosquitto-tls13-dsb.pcapng (keys embedded): tshark's MQTT with no option, and the same messages as with the key log", async (t) => {
  const embedded = await analyzeCapture(join(fixtureDir, "mosquitto-tls13-dsb.pcapng"));
  const fromKeylog = await analyzeCapture(join(fixtureDir, "mosquitto-tls13.pcapng"), { tlsKeylog: join(fixtureDir, "mosquitto-tls13.keylog") });
  assert.deepEqual(embedded.messages, fromKeylog.messages);
  assert.deepEqual(embedded.phases, fromKeylog.phases);
  assertProgram(embedded, 0);
  const tshark = needTool(t, "tshark");
  if (!tshark) return;
  assertSameMqttAsTshark(tshark, join(fixtureDir, "mosquitto-tls13-dsb.pcapng"), embedded, {});
  assertSamePacketList(tshark, join(fixtureDir, "mosquitto-tls13-dsb.pcapng"), embedded);
});
