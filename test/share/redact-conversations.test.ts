// Redaction fails closed (issue 11, part 4): crafted conversations where the
// password travels in awkward ways. Each clean case must leave no byte of the
// password in the copy; each unclean case must say so (and the CLI then writes
// no file).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { redactCapture } from "../../lib/share/redact";
import { conversationPcap, tcpFrame, type SegmentSpec } from "../helpers/packet-builder";
import { writePcap } from "../helpers/capture-writer";
import { projectRoot } from "../helpers/fixtures";
import { needTool } from "../helpers/tools";

const CLIENT_ISN = 1000;
const SERVER_ISN = 5000;

/** A two-byte length, then the bytes (MQTT 3.1.1 §1.5.3). */
function field(value: string | Buffer): Buffer {
  const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
}

function fixedHeader(first: number, length: number): Buffer {
  const out = [first];
  do {
    out.push((length & 0x7f) | (length >= 0x80 ? 0x80 : 0));
    length >>= 7;
  } while (length > 0);
  return Buffer.from(out);
}

interface ConnectSpec {
  clientId?: string;
  username?: string;
  password: string | Buffer;
  /** Protocol level: 4 (3.1.1) or 5. */
  level?: 4 | 5;
  /** Bits or'ed into the connect flags (0x01 is the reserved bit). */
  extraFlags?: number;
  will?: { topic: string; payload: string };
}

function connectPacket(spec: ConnectSpec): Buffer {
  const level = spec.level ?? 4;
  let flags = 0x02 | (spec.extraFlags ?? 0);
  if (spec.username !== undefined) flags |= 0x80;
  flags |= 0x40;
  if (spec.will) flags |= 0x04;
  const parts: Buffer[] = [
    field("MQTT"), // 00 04 'MQTT'
    Buffer.from([level, flags, 0x00, 0x3c]), // level · flags · keep alive 60 s
  ];
  if (level === 5) parts.push(Buffer.from([0x05, 0x11, 0x00, 0x00, 0x00, 0x3c])); // properties: Session Expiry Interval 60
  parts.push(field(spec.clientId ?? "dev-1"));
  if (spec.will) {
    if (level === 5) parts.push(Buffer.from([0x00])); // no will properties
    parts.push(field(spec.will.topic), field(spec.will.payload));
  }
  if (spec.username !== undefined) parts.push(field(spec.username));
  parts.push(field(spec.password));
  const body = Buffer.concat(parts);
  return Buffer.concat([fixedHeader(0x10, body.length), body]);
}

function publishPacket(topic: string, payload: string): Buffer {
  const body = Buffer.concat([field(topic), Buffer.from(payload)]);
  return Buffer.concat([fixedHeader(0x30, body.length), body]);
}

/**
 * A handshake, then the client's bytes in the given chunks ([offset, length]
 * in sending order; a chunk may repeat or overlap others), then a CONNACK.
 */
function conversation(stream: Buffer, chunks: Array<[number, number]>, serverPort = 1883, clientPort = 40000, clientIsn = CLIENT_ISN): Uint8Array {
  const segments: SegmentSpec[] = [
    { fromClient: true, seq: clientIsn, flags: "S", at: 0 },
    { fromClient: false, seq: SERVER_ISN, ack: clientIsn + 1, flags: "SA", at: 100 },
    { fromClient: true, seq: clientIsn + 1, ack: SERVER_ISN + 1, flags: "A", at: 200 },
  ];
  let at = 300;
  for (const [offset, length] of chunks) {
    segments.push({ fromClient: true, seq: clientIsn + 1 + offset, ack: SERVER_ISN + 1, flags: "PA", payload: stream.subarray(offset, offset + length), at: (at += 100) });
  }
  segments.push({ fromClient: false, seq: SERVER_ISN + 1, ack: clientIsn + 1 + stream.length, flags: "PA", payload: Buffer.from([0x20, 0x02, 0x00, 0x00]), at: (at += 100) });
  return conversationPcap(segments, clientPort, serverPort);
}

const password = "hmac-0123456789abcdef0123456789abcdef0123";
const connect = connectPacket({ clientId: "dev-1", username: "dev-1&pk", password });
const passwordAt = connect.indexOf(Buffer.from(password));
const whole = (bytes: Buffer): Array<[number, number]> => [[0, bytes.length]];

interface Case {
  name: string;
  stream: Buffer;
  chunks: Array<[number, number]>;
  capture: Uint8Array;
  secret: Buffer;
  serverPort?: number;
}

const echoed = Buffer.concat([connect, publishPacket("dev/echo", `my password is ${password}`)]);
const oddText = (text: string) => connectPacket({ username: "u", password: text });
const refused = connectPacket({ username: "u", password, extraFlags: 0x01 });
const mqtt5 = connectPacket({ level: 5, username: "u", password, will: { topic: "dev/status", payload: "gone" } });
const binary = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x41, 0x42, 0x43, 0x44, 0xc3]);
const binaryConnect = connectPacket({ username: "u", password: binary });

/** A case whose capture is `conversation(stream, chunks, serverPort)`. */
function make(name: string, stream: Buffer, chunks: Array<[number, number]>, secret: Buffer | string, serverPort?: number): Case {
  return { name, stream, chunks, capture: conversation(stream, chunks, serverPort), secret: Buffer.from(secret), serverPort };
}

const cleanCases: Case[] = [
  make("one segment", connect, whole(connect), password),
  make("a retransmitted CONNECT", connect, [...whole(connect), ...whole(connect)], password),
  make(
    "a partial, overlapping retransmission",
    connect,
    [
      [0, passwordAt + 10],
      [passwordAt + 10, connect.length - passwordAt - 10],
      [passwordAt - 3, 20], // resent: part of the password, overlapping both
    ],
    password,
  ),
  make("a CONNECT and a PUBLISH that repeats the password, in one segment", echoed, whole(echoed), password),
  make("a CONNECT mqtt-packet refuses (reserved flag bit set) but Wireshark decodes", refused, whole(refused), password),
  make("plain MQTT on 8883", connect, whole(connect), password, 8883),
  make("MQTT on a port nobody named (found by its CONNECT)", connect, whole(connect), password, 18830),
  make("a password text that starts with 0x", oddText("0xdeadbeefcafe"), whole(oddText("0xdeadbeefcafe")), "0xdeadbeefcafe"),
  make("a password text that starts with <redacted", oddText("<redacted 9 bytes>"), whole(oddText("<redacted 9 bytes>")), "<redacted 9 bytes>"),
  make("a binary password", binaryConnect, whole(binaryConnect), binary),
  make(
    "a password split across two segments",
    connect,
    [
      [0, passwordAt + 7],
      [passwordAt + 7, connect.length - passwordAt - 7],
    ],
    password,
  ),
  make(
    "a password split across two segments that arrive out of order",
    connect,
    [
      [passwordAt + 7, connect.length - passwordAt - 7],
      [0, passwordAt + 7],
    ],
    password,
  ),
  make("MQTT 5 with properties and a will", mqtt5, whole(mqtt5), password),
];

test("redact: sequence numbers that wrap around 2^32 inside the password (RFC 9293 §3.4)", async () => {
  const isn = 2 ** 32 - 1 - passwordAt - 20; // the password's 21st byte has sequence number 0
  const split: Array<[number, number]> = [
    [passwordAt + 25, connect.length - passwordAt - 25],
    [0, passwordAt + 25],
  ];
  const { bytes, report } = await redactCapture(conversation(connect, split, 1883, 40000, isn));
  assert.deepEqual(report.notRedacted, []);
  assert.deepEqual(report.redacted.map((r) => [r.field, r.bytes, r.frames]), [["password", password.length, [4, 5]]]);
  assert.equal(bytes.indexOf(Buffer.from(password.slice(0, 8))), -1);
  assert.equal(bytes.indexOf(Buffer.from(password.slice(-8))), -1);
});

for (const c of cleanCases) {
  test(`redact, clean: ${c.name}`, async () => {
    const original = Buffer.from(c.capture);
    assert.ok(original.includes(c.secret.subarray(0, 7)), "the crafted capture carries the password (or its first part)");
    const { bytes, report } = await redactCapture(c.capture);
    assert.deepEqual(report.notRedacted, []);
    assert.equal(bytes.length, original.length, "only bytes inside frames changed");
    assert.equal(bytes.indexOf(c.secret), -1, "no copy of the password is left anywhere in the file");
    for (let i = 1; i < c.secret.length; i++) {
      // Nor any part of it that a frame boundary cut off: each half is gone from the frame that carried it.
      if (c.secret.length - i >= 6) assert.equal(bytes.indexOf(c.secret.subarray(i)), -1, `the password's tail from byte ${i}`);
      if (i >= 6) assert.equal(bytes.indexOf(c.secret.subarray(0, i)), -1, `the password's first ${i} bytes`);
    }
    const passwords = report.redacted.filter((r) => r.field === "password" && !r.copy);
    assert.equal(passwords.length, 1, "one CONNECT password redacted");
    assert.equal(passwords[0].bytes, c.secret.length);
    const after = await analyzeCapture(bytes, { mqttPorts: c.serverPort === 18830 ? [18830] : [], tlsPorts: [] });
    // (mqtt-packet refuses some of these CONNECTs: those show no password at all.)
    for (const m of after.messages.filter((m) => m.type === "CONNECT" && m.password !== undefined)) assert.match(m.password!, /^\*+$/);
    assert.equal(report.clean, true);
  });
}

test("redact: a retransmission is redacted in every frame that carries the password", async () => {
  const { report } = await redactCapture(conversation(connect, [...whole(connect), ...whole(connect)]));
  assert.deepEqual(
    report.redacted.map((r) => [r.field, r.frames]),
    [["password", [4, 5]]],
  );
});

test("redact: a copy of the password in a PUBLISH is overwritten too, and said so", async () => {
  const { bytes, report } = await redactCapture(conversation(echoed, whole(echoed)));
  assert.deepEqual(
    report.redacted.map((r) => ({ field: r.field, copy: r.copy ?? false, frames: r.frames })),
    [
      { field: "password", copy: false, frames: [4] },
      { field: "password", copy: true, frames: [4] },
    ],
  );
  const publish = (await analyzeCapture(bytes)).messages.find((m) => m.type === "PUBLISH");
  assert.equal(publish?.topic, "dev/echo", "the PUBLISH is still there, its payload masked");
});

test("redact --identities finds client id and user name by their byte ranges too", async () => {
  const { bytes, report } = await redactCapture(conversation(refused, whole(refused)), { identities: true });
  assert.deepEqual(report.redacted.map((r) => r.field).sort(), ["clientId", "password", "username"]);
  assert.equal(bytes.indexOf(Buffer.from("dev-1")), -1);
});

test("redact: a password cut by the snapshot length is clean: the missing bytes were never in the file", async () => {
  const segments: SegmentSpec[] = [
    { fromClient: true, seq: CLIENT_ISN, flags: "S", at: 0 },
    { fromClient: true, seq: CLIENT_ISN + 1, ack: SERVER_ISN + 1, flags: "PA", payload: connect, at: 100 },
  ];
  const frames = segments.map((spec) => {
    const bytes = tcpFrame(spec);
    // tcpdump -s: the second frame keeps its headers and the first 10 bytes of the password.
    const kept = spec.payload ? 54 + passwordAt + 10 : bytes.length;
    return { seconds: 1700000000, nanos: spec.at * 1000, bytes: bytes.subarray(0, kept), originalLength: bytes.length };
  });
  const capture = writePcap(frames, { littleEndian: true, nanosecond: false, linkType: 1, snapLength: 54 + passwordAt + 10 });
  const { bytes, report } = await redactCapture(capture);
  assert.deepEqual(report.notRedacted, []);
  assert.deepEqual(report.redacted.map((r) => [r.field, r.frames]), [["password", [2]]]);
  assert.equal(bytes.indexOf(Buffer.from(password.slice(0, 10))), -1, "the captured part is overwritten");
});

test("redact: a lost CONNECT segment, then whole packets: nothing of the CONNECT is in the file, so the copy is clean", async () => {
  const publish = publishPacket("dev/up", "21.5");
  const stream = Buffer.concat([connect, publish]);
  const { bytes, report } = await redactCapture(conversation(stream, [[connect.length, publish.length]]));
  assert.deepEqual(report.notRedacted, []);
  assert.deepEqual(report.redacted, []);
  assert.equal(bytes.indexOf(Buffer.from(password.slice(0, 6))), -1);
});

const uncleanCases: Array<{ name: string; capture: Uint8Array; reason: RegExp }> = [
  {
    name: "a segment carrying part of the password was not captured",
    capture: conversation(connect, [
      [0, passwordAt + 7],
      [passwordAt + 17, connect.length - passwordAt - 17],
    ]),
    reason: /bytes 7–17 of the password \(41 bytes\) were not captured/,
  },
  {
    name: "the start of the stream (the CONNECT's header) was not captured",
    capture: conversation(connect, [[12, connect.length - 12]]),
    reason: /first bytes of the stream were not captured/,
  },
  {
    name: "the CONNECT travels in an IP fragment (not reassembled)",
    capture: (() => {
      const capture = conversation(connect, whole(connect));
      const frames = records(capture);
      frames[3][16 + 14 + 6] |= 0x20; // IPv4 flags: More Fragments
      return Buffer.concat([Buffer.from(capture).subarray(0, 24), ...frames]);
    })(),
    reason: /an IP fragment of a TCP segment/,
  },
  {
    name: "segments that disagree about the password's bytes",
    capture: (() => {
      const other = Buffer.from(connect);
      other.fill(0x41, passwordAt, passwordAt + 5);
      const first = conversation(connect, whole(connect));
      const second = conversation(other, whole(other));
      // Splice the second's CONNECT frame (a retransmission with other bytes) after the first's.
      return spliceFrame(first, second, 4);
    })(),
    reason: /segments carrying the CONNECT disagree/,
  },
];

/** The records (16-byte header and frame) of a little-endian classic pcap. */
function records(capture: Uint8Array): Buffer[] {
  const b = Buffer.from(capture);
  const out: Buffer[] = [];
  for (let at = 24; at < b.length; at += 16 + b.readUInt32LE(at + 8)) out.push(b.subarray(at, at + 16 + b.readUInt32LE(at + 8)));
  return out;
}

/** Insert frame `n` (1-based) of capture `from` after frame n of `into` (both classic pcap from conversationPcap). */
function spliceFrame(into: Uint8Array, from: Uint8Array, n: number): Uint8Array {
  const target = records(into);
  target.splice(n, 0, records(from)[n - 1]);
  return Buffer.concat([Buffer.from(into).subarray(0, 24), ...target]);
}

test("redact: a one-byte keep-alive probe with a filler byte is not a disagreement (RFC 9293 §3.8.4)", async () => {
  const other = Buffer.from(connect);
  other[other.length - 1] = 0x00;
  const probe = conversation(other, [...whole(other), [other.length - 1, 1]]);
  const capture = spliceFrame(conversation(connect, whole(connect)), probe, 5);
  const { bytes, report } = await redactCapture(capture);
  assert.deepEqual(report.notRedacted, []);
  assert.deepEqual(report.redacted.map((r) => r.frames), [[4, 6]], "the probe's byte is in the password's range: overwritten too");
  assert.equal(bytes.indexOf(Buffer.from(password)), -1);
});

for (const c of uncleanCases) {
  test(`redact, not clean: ${c.name}`, async () => {
    const { report } = await redactCapture(c.capture);
    assert.equal(report.clean, false);
    assert.ok(
      report.notRedacted.some((r) => r.field === "password" && c.reason.test(r.reason)),
      JSON.stringify(report.notRedacted),
    );
  });
}

const cli = join(projectRoot, "dist", "lib", "cli", "main.js");

test("redact CLI: exit 1 and no file when the copy cannot be cleaned; exit 0 and the file when it can", () => {
  const dir = mkdtempSync(join(tmpdir(), "iwl-redact-closed-"));
  const lost = join(dir, "lost.pcap");
  writeFileSync(lost, uncleanCases[0].capture);
  const out = join(dir, "shareable.pcap");
  const refusedRun = spawnSync(process.execPath, [cli, "redact", lost, "-o", out], { encoding: "utf8" });
  assert.equal(refusedRun.status, 1, refusedRun.stderr);
  assert.match(refusedRun.stderr, /NOT redacted: password in frame \d+, tcp.stream 0: bytes 7–17/);
  assert.match(refusedRun.stderr, /no file written/);
  assert.equal(existsSync(out), false, "no copy is written");
  assert.deepEqual(readdirSync(dir), ["lost.pcap"], "and no temporary file is left behind");
  const good = join(dir, "retransmitted.pcap");
  writeFileSync(good, cleanCases[1].capture);
  const ok = spawnSync(process.execPath, [cli, "redact", good, "-o", out], { encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /redacted password \(41 bytes\) in frames 4, 5, tcp.stream 0/);
  assert.ok(existsSync(out));
  for (const target of [join(dir, "missing", "x.pcap"), dir]) {
    const bad = spawnSync(process.execPath, [cli, "redact", good, "-o", target, "--force"], { encoding: "utf8" });
    assert.equal(bad.status, 2, `${target}: ${bad.stderr}`);
    assert.equal(bad.stderr.trim().split("\n").length, 1, "one line, no stack trace");
  }
  assert.deepEqual(readdirSync(dir).sort(), ["lost.pcap", "retransmitted.pcap", "shareable.pcap"], "no temporary file is left behind");
});

test("tshark reads no password in any redacted conversation", async (t) => {
  const tshark = needTool(t, "tshark");
  if (!tshark) return;
  // Every clean case in one capture (one tshark run before, one after), each on its own client port.
  const all = cleanCases.map((c, i) => conversation(c.stream, c.chunks, c.serverPort, 41000 + i));
  const combined = Buffer.concat([Buffer.from(all[0]).subarray(0, 24), ...all.flatMap(records)]);
  const { bytes, report } = await redactCapture(combined);
  assert.deepEqual(report.notRedacted, []);
  const dir = mkdtempSync(join(tmpdir(), "iwl-redact-tshark-"));
  const before = join(dir, "before.pcap");
  const after = join(dir, "after.pcap");
  writeFileSync(before, combined);
  writeFileSync(after, bytes);
  const passwords = (file: string) => {
    const byPort = new Map<number, string[]>();
    const args = ["-r", file, "-d", "tcp.port==8883,mqtt", "-d", "tcp.port==18830,mqtt", "-o", "tcp.reassemble_out_of_order:TRUE", "-Y", "mqtt.passwd", "-T", "fields", "-e", "tcp.srcport", "-e", "mqtt.passwd"];
    for (const line of execFileSync(tshark, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split("\n")) {
      if (!line) continue;
      const [port, value] = line.split("\t");
      byPort.set(Number(port), [...(byPort.get(Number(port)) ?? []), value]);
    }
    return byPort;
  };
  const seen = passwords(before);
  const left = passwords(after);
  cleanCases.forEach((c, i) => {
    if (c.secret.equals(binary)) return; // tshark shows a binary password its own way; the byte checks cover it
    assert.ok((seen.get(41000 + i) ?? []).length > 0, `${c.name}: tshark shows the password in the original`);
    assert.ok((left.get(41000 + i) ?? []).length > 0, `${c.name}: tshark still decodes the CONNECT`);
    for (const value of left.get(41000 + i)!) assert.match(value, /^\*+$/, `${c.name}: tshark's mqtt.passwd`);
  });
});
