// The TLS and WebSocket layers under MQTT never throw: a real TLS 1.3 and
// TLS 1.2 conversation (Node's TLS client and server, OpenSSL, the client's
// key log) and a WebSocket upgrade with masked frames, each laid out as a
// capture, then copies with random bytes overwritten. Every copy is analysed
// without a decode failure; the intact ones decode their MQTT.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { conversationPcap, type SegmentSpec } from "../helpers/packet-builder";
import { flipBytes, seededRandom } from "../helpers/mutation";
import { recordTlsConversation } from "../helpers/tls-conversation";

const CONNECT = Buffer.from("100f00044d5154540402003c0004646576", "hex"); // MQTT 3.1.1 CONNECT, clientId "dev"
const CONNACK = Buffer.from("20020000", "hex");
const PUBLISH = Buffer.from("30070003742f6168690a", "hex").subarray(0, 9); // QoS 0 "t/a" "hi"

/** The chunks each side wrote as TCP segments: handshake, data (each acknowledged), FIN/ACK teardown. */
function segmentsOf(chunks: Array<{ fromClient: boolean; bytes: Uint8Array }>): SegmentSpec[] {
  let client = 1000;
  let server = 5000;
  let at = 0;
  const out: SegmentSpec[] = [
    { fromClient: true, seq: client++, flags: "S", at: (at += 100) },
    { fromClient: false, seq: server++, ack: client, flags: "SA", at: (at += 100) },
    { fromClient: true, seq: client, ack: server, flags: "A", at: (at += 100) },
  ];
  for (const chunk of chunks) {
    out.push({ fromClient: chunk.fromClient, seq: chunk.fromClient ? client : server, ack: chunk.fromClient ? server : client, flags: "PA", payload: chunk.bytes, at: (at += 100) });
    if (chunk.fromClient) client += chunk.bytes.length;
    else server += chunk.bytes.length;
  }
  out.push({ fromClient: true, seq: client++, ack: server, flags: "FA", at: (at += 100) });
  out.push({ fromClient: false, seq: server++, ack: client, flags: "FA", at: (at += 100) });
  out.push({ fromClient: true, seq: client, ack: server, flags: "A", at: (at += 100) });
  return out;
}

function mask(payload: Buffer, key: Buffer): Buffer {
  return Buffer.from(payload.map((b, i) => b ^ key[i % 4]));
}

/** A client binary frame (masked, RFC 6455 §5.2) or a server one. */
function wsFrame(payload: Buffer, fromClient: boolean): Buffer {
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  return fromClient ? Buffer.concat([Buffer.from([0x82, 0x80 | payload.length]), key, mask(payload, key)]) : Buffer.concat([Buffer.from([0x82, payload.length]), payload]);
}

const upgradeRequest = "GET /mqtt HTTP/1.1\r\nHost: 10.0.0.2\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";
const upgradeResponse = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";

async function fuzz(name: string, capture: Uint8Array, options: Parameters<typeof analyzeCapture>[1], dir: string): Promise<void> {
  const random = seededRandom(name.length * 7919);
  for (let i = 0; i < 60; i++) {
    const file = join(dir, `${name}-${i}.pcap`);
    writeFileSync(file, flipBytes(capture, random));
    const analysis = await analyzeCapture(file, options);
    assert.deepEqual(analysis.issues.filter((issue) => issue.code === "frame.decode_failure"), [], `${name} copy ${i}`);
  }
}

test("fuzz: mutated TLS 1.3 / TLS 1.2 records and WebSocket frames under MQTT never throw; the intact captures decode", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "iwl-stack-fuzz-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const version of ["TLSv1.3", "TLSv1.2"] as const) {
    const conversation = await recordTlsConversation({ minVersion: version, maxVersion: version, messages: [CONNECT, PUBLISH], reply: (m) => (m[0] === 0x10 ? CONNACK : PUBLISH) });
    const keylog = join(dir, `${version}.keylog`);
    writeFileSync(keylog, conversation.keylog);
    const capture = conversationPcap(segmentsOf(conversation.chunks), 40000, 8883);
    const intact = join(dir, `${version}.pcap`);
    writeFileSync(intact, capture);
    const analysis = await analyzeCapture(intact, { tlsKeylog: keylog });
    assert.deepEqual(analysis.messages.map((m) => m.type), ["CONNECT", "CONNACK", "PUBLISH", "PUBLISH"], version);
    await fuzz(version, capture, { tlsKeylog: keylog }, dir);
  }
  const ws = conversationPcap(
    segmentsOf([
      { fromClient: true, bytes: Buffer.from(upgradeRequest, "latin1") },
      { fromClient: false, bytes: Buffer.from(upgradeResponse, "latin1") },
      // CONNECT split over two WebSocket messages, as MQTT.js over ws writes it.
      { fromClient: true, bytes: Buffer.concat([wsFrame(CONNECT.subarray(0, 5), true), wsFrame(CONNECT.subarray(5), true)]) },
      { fromClient: false, bytes: wsFrame(CONNACK, false) },
      { fromClient: true, bytes: wsFrame(PUBLISH, true) },
    ]),
    40000,
    8080,
  );
  const intact = join(dir, "ws.pcap");
  writeFileSync(intact, ws);
  const analysis = await analyzeCapture(intact);
  assert.deepEqual(analysis.messages.map((m) => m.type), ["CONNECT", "CONNACK", "PUBLISH"]);
  assert.equal(analysis.phases.find((p) => p.kind === "ws-handshake")?.websocket?.protocol, "mqtt");
  await fuzz("ws", ws, {}, dir);
});
