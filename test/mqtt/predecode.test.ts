// Decoding ahead on the reader thread (lib/mqtt/predecode.ts) must hand the
// main thread exactly what mqtt-packet gives there, or nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as mqttPacket from "mqtt-packet";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { Analyzer } from "../../lib/analysis/analyzer";
import { CaptureFileError } from "../../lib/capture/errors";
import { readCapture } from "../../lib/capture/reader";
import { decodeMqttPacket } from "../../lib/mqtt/decoder";
import { MqttPredecoder, PredecodedBatch } from "../../lib/mqtt/predecode";
import { DecodedAhead, PREDECODED_FIELDS } from "../../lib/mqtt/decoded-ahead";
import { captureFiles, fixtureDir } from "../helpers/fixtures";
import { flipBytes, seededRandom } from "../helpers/mutation";
import { tcpFrame } from "../helpers/packet-builder";

const ETHERNET = 1;
/** The main thread's view of one frame's packets decoded ahead, re-pointed per frame. */
const decodedAhead = new DecodedAhead();

interface Checked {
  carried: number;
  byType: Record<string, number>;
}

/** Predecode one frame; check every carried packet against mqtt-packet run here. */
function checkFrame(predecoder: MqttPredecoder, bytes: Buffer, linkType: number, checked: Checked, label: string): void {
  const batch = new PredecodedBatch();
  const count = predecoder.frame(bytes, linkType, batch);
  assert.equal(count, batch.count);
  for (let i = 0; i < count; i++) {
    const at = i * PREDECODED_FIELDS;
    const [start, end, version] = [batch.table[at], batch.table[at + 1], batch.table[at + 2]];
    decodedAhead.begin(bytes, batch.table, batch.strings, i, 1);
    const ahead = decodedAhead.take(bytes, start, end, version);
    decodedAhead.end();
    const here = decodeMqttPacket(bytes, start, end, version).packet;
    assert.ok(ahead && here, `${label}: packet ${i} decodes on both threads`);
    assert.deepEqual(Object.keys(ahead), Object.keys(here), `${label}: same fields in the same order`);
    assert.deepStrictEqual({ ...ahead }, { ...here }, `${label}: packet ${i} (${here.cmd})`);
    checked.carried++;
    checked.byType[here.cmd] = (checked.byType[here.cmd] ?? 0) + 1;
  }
}

for (const file of captureFiles()) {
  test(`predecode: every packet carried from ${file.split("/").slice(-1)[0]} equals mqtt-packet's own decoding`, async () => {
    const predecoder = new MqttPredecoder(4);
    const checked: Checked = { carried: 0, byType: {} };
    await readCapture(
      file,
      {
        info: () => undefined,
        issue: () => undefined,
        frame: (frame) => checkFrame(predecoder, Buffer.from(frame.bytes), frame.linkType, checked, `frame ${frame.frame}`),
      },
      { threads: false },
    );
    for (const cmd of ["connect", "connack", "subscribe", "suback", "unsubscribe", "unsuback", "auth"]) {
      assert.equal(checked.byType[cmd], undefined, `${cmd} is left to the main thread`);
    }
  });
}

for (const name of ["fleet-5.pcapng", "tutorial-mqtt5.pcapng", "qos0-1-2.pcapng"]) {
  test(`predecode: 200 byte-flip mutations of ${name} never throw and never disagree with mqtt-packet`, async () => {
    const original = readFileSync(join(fixtureDir, name));
    const rnd = seededRandom(name.length * 104729);
    for (let i = 0; i < 200; i++) {
      const predecoder = new MqttPredecoder(4);
      const checked: Checked = { carried: 0, byType: {} };
      try {
        await readCapture(flipBytes(original, rnd), { info: () => undefined, issue: () => undefined, frame: (f) => checkFrame(predecoder, Buffer.from(f.bytes), f.linkType, checked, `mutation ${i} frame ${f.frame}`) }, { threads: false });
      } catch (error) {
        if (!(error instanceof CaptureFileError)) throw error;
      }
    }
  });
}

test("predecode: mutated captures analysed on two threads equal the single-threaded analysis", async () => {
  const original = readFileSync(join(fixtureDir, "fleet-5.pcapng"));
  const dir = mkdtempSync(join(tmpdir(), "iwl-predecode-"));
  const rnd = seededRandom(31337);
  for (let i = 0; i < 12; i++) {
    const file = join(dir, `mutation-${i}.pcapng`);
    writeFileSync(file, flipBytes(original, rnd));
    const single = await analyzeCapture(file, { threads: false }).catch((error: Error) => error);
    const threaded = await analyzeCapture(file, { threads: true }).catch((error: Error) => error);
    assert.deepEqual(threaded, single, `mutation ${i}`);
  }
});

test("predecode: the fixtures' device traffic is mostly decoded ahead, and the threaded analysis uses it", async () => {
  const file = join(fixtureDir, "fleet-5.pcapng");
  const predecoder = new MqttPredecoder(4);
  const checked: Checked = { carried: 0, byType: {} };
  await readCapture(file, { info: () => undefined, issue: () => undefined, frame: (f) => checkFrame(predecoder, Buffer.from(f.bytes), f.linkType, checked, `frame ${f.frame}`) }, { threads: false });
  assert.ok(checked.byType.publish > 0 && checked.byType.puback > 0, JSON.stringify(checked.byType));

  const single = await analyzeCapture(file, { threads: false });
  const before = DecodedAhead.taken;
  const threaded = await analyzeCapture(file, { threads: true });
  assert.equal(DecodedAhead.taken - before, checked.carried, "the main thread took every packet decoded ahead");
  assert.deepEqual(threaded, single);
});

/** One client→server or server→client Ethernet/IPv4/TCP frame with `payload`, as a Buffer. */
function segment(payload: Uint8Array, fromClient = true): Buffer {
  return Buffer.from(tcpFrame({ fromClient, seq: 1000, ack: 1, flags: "PA", payload, at: 0 }));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

test("predecode: only segments that are a whole number of well-formed packets are decoded ahead", () => {
  const predecoder = new MqttPredecoder(4);
  const puback = mqttPacket.generate({ cmd: "puback", messageId: 7 });
  const ping = mqttPacket.generate({ cmd: "pingreq" });
  const count = (payload: Uint8Array) => predecoder.frame(segment(payload), ETHERNET, new PredecodedBatch());
  assert.equal(count(concat(puback, puback)), 2);
  assert.equal(count(concat(puback, puback.subarray(0, 3))), 0, "a packet cut by the segment end: the framer's business");
  assert.equal(count(Buffer.from([0x36, 0x02, 0x00, 0x01])), 0, "PUBLISH with both QoS bits set: mqtt-packet's error, reported by the main thread");
  assert.equal(count(Buffer.from([0x40, 0xff, 0xff, 0xff, 0xff, 0x7f])), 0, "a Remaining Length of more than 4 bytes");
  assert.equal(count(concat(...Array.from({ length: 64 }, () => ping))), 64);
  assert.equal(count(concat(...Array.from({ length: 65 }, () => ping))), 0, "a bound on packets per segment");
  const subscribe = mqttPacket.generate({ cmd: "subscribe", messageId: 3, subscriptions: [{ topic: "a/b", qos: 1 }] });
  assert.equal(count(concat(subscribe, puback)), 1, "SUBSCRIBE is left to the main thread, the PUBACK after it is not");

  const fragment = segment(puback);
  fragment[14 + 6] = 0x20; // IPv4 More Fragments: the payload is not a whole TCP segment
  assert.equal(predecoder.frame(fragment, ETHERNET, new PredecodedBatch()), 0);
  assert.equal(predecoder.frame(segment(puback), 147, new PredecodedBatch()), 0, "a link type we do not decode");
});

test("predecode: MQTT 5 streams are decoded at the level their CONNECT asked for; properties stay on the main thread", () => {
  const predecoder = new MqttPredecoder(4);
  const connect = mqttPacket.generate({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "dev-1", clean: true, keepalive: 30 });
  assert.equal(predecoder.frame(segment(connect), ETHERNET, new PredecodedBatch()), 0);
  const batch = new PredecodedBatch();
  const puback = mqttPacket.generate({ cmd: "puback", messageId: 9, reasonCode: 0x10 }, { protocolVersion: 5 });
  const bytes = segment(puback, false);
  assert.equal(predecoder.frame(bytes, ETHERNET, batch), 1);
  assert.equal(batch.table[2], 5, "the server's PUBACK is decoded as MQTT 5");
  decodedAhead.begin(bytes, batch.table, batch.strings, 0, 1);
  const taken = decodedAhead.take(bytes, batch.table[0], batch.table[1], 5) as unknown as { reasonCode: number; messageId: number };
  decodedAhead.end();
  assert.equal(taken.reasonCode, 0x10);
  assert.equal(taken.messageId, 9);

  const withProperties = mqttPacket.generate({ cmd: "publish", topic: "t", payload: "x", qos: 1, messageId: 3, dup: false, retain: false, properties: { contentType: "application/json" } }, { protocolVersion: 5 });
  assert.equal(predecoder.frame(segment(withProperties), ETHERNET, new PredecodedBatch()), 0);
  const plain = mqttPacket.generate({ cmd: "publish", topic: "t", payload: "x", qos: 1, messageId: 3, dup: false, retain: false }, { protocolVersion: 5 });
  assert.equal(predecoder.frame(segment(plain), ETHERNET, new PredecodedBatch()), 1);
});

test("predecode: the main thread takes a packet only for the same bytes, offsets and version", () => {
  const predecoder = new MqttPredecoder(4);
  const publish = mqttPacket.generate({ cmd: "publish", topic: "devices/d1/up", payload: Buffer.from('{"t":21}'), qos: 1, messageId: 5, dup: false, retain: true });
  const bytes = segment(concat(publish, publish));
  const batch = new PredecodedBatch();
  assert.equal(predecoder.frame(bytes, ETHERNET, batch), 2);
  assert.deepEqual(batch.strings, ["devices/d1/up"], "a topic repeated in a batch is sent once");
  const [start, end] = [batch.table[0], batch.table[1]];
  const attempt = (b: Uint8Array, s: number, e: number, v: number) => {
    decodedAhead.begin(bytes, batch.table, batch.strings, 0, 2);
    const packet = decodedAhead.take(b, s, e, v);
    decodedAhead.end();
    return packet;
  };
  assert.equal(attempt(bytes, start, end, 5), undefined, "another protocol level");
  assert.equal(attempt(bytes, start, end - 1, 4), undefined, "other bytes");
  assert.equal(attempt(Buffer.from(bytes), start, end, 4), undefined, "another buffer with the same content");
  assert.equal(attempt(bytes, start + 1, end, 4), undefined, "not a packet start");
  const second = attempt(bytes, end, batch.table[PREDECODED_FIELDS + 1], 4) as unknown as { topic: string; retain: boolean; payload: Buffer };
  assert.equal(second.topic, "devices/d1/up");
  assert.equal(second.retain, true);
  assert.equal(second.payload.toString(), '{"t":21}');
  decodedAhead.begin(bytes, batch.table, batch.strings, 0, 2);
  assert.ok(decodedAhead.take(bytes, start, end, 4));
  decodedAhead.end();
  assert.equal(decodedAhead.take(bytes, start, end, 4), undefined, "nothing outside the frame being analysed");
});

test("predecode: two threaded analyses at once each take only their own frames' packets", async () => {
  const [a, b] = [join(fixtureDir, "fleet-5.pcapng"), join(fixtureDir, "tutorial-mqtt5.pcapng")];
  const [oneA, oneB] = [await analyzeCapture(a, { threads: false }), await analyzeCapture(b, { threads: false })];
  const before = DecodedAhead.taken;
  const [twoA, twoB] = await Promise.all([analyzeCapture(a, { threads: true }), analyzeCapture(b, { threads: true })]);
  assert.ok(DecodedAhead.taken > before, "packets were decoded ahead");
  assert.deepEqual(twoA, oneA);
  assert.deepEqual(twoB, oneB);
});

test("predecode: decoded-ahead packets are an explicit argument of decodeMqttPacket, never ambient state", () => {
  const predecoder = new MqttPredecoder(4);
  const puback = mqttPacket.generate({ cmd: "puback", messageId: 11 });
  const bytes = segment(puback);
  const batch = new PredecodedBatch();
  assert.equal(predecoder.frame(bytes, ETHERNET, batch), 1);
  const [start, end] = [batch.table[0], batch.table[1]];
  decodedAhead.begin(bytes, batch.table, batch.strings, 0, 1);
  const before = DecodedAhead.taken;
  assert.ok(decodeMqttPacket(bytes, start, end, 4).packet, "decoded here");
  assert.equal(DecodedAhead.taken, before, "without the argument nothing is taken from the frame being analysed");
  assert.ok(decodeMqttPacket(bytes, start, end, 4, decodedAhead).packet);
  assert.equal(DecodedAhead.taken, before + 1, "with it, the packet decoded ahead is used");
  decodedAhead.end();
});

test("predecode: a FrameSink wrapper that copies no fields keeps the fast path (the frames carry it)", async () => {
  const file = join(fixtureDir, "fleet-5.pcapng");
  const single = await analyzeCapture(file, { threads: false });
  const collected: { messages: unknown[] } = { messages: [] };
  const analyzer = new Analyzer({}, { message: (m) => collected.messages.push(m) });
  const wrapper = {
    info: (info: Parameters<Analyzer["info"]>[0]) => analyzer.info(info),
    issue: (issue: Parameters<Analyzer["issue"]>[0]) => analyzer.issue(issue),
    frame: (frame: Parameters<Analyzer["frame"]>[0]) => analyzer.frame(frame),
  };
  const before = DecodedAhead.taken;
  await readCapture(file, wrapper, { threads: true, annotator: analyzer.readAhead });
  analyzer.finish();
  assert.ok(DecodedAhead.taken > before, "packets decoded ahead reached the analysis through the wrapper");
  assert.deepEqual(collected.messages, single.messages);
});
