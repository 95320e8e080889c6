// WebSocketSession on real conversations between the `ws` library's client and
// server (masking, fragmentation, permessage-deflate with and without context
// takeover, ping/pong, close), and table tests of the framing on crafted bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import { decodeFrameHeader, frameLabel } from "../../lib/websocket/frame";
import { WebSocketSession, type WebSocketFrameEvent, type WebSocketHandshake } from "../../lib/websocket/session";
import { startRecordingRelay, type RecordedChunk } from "../helpers/recording-relay";

interface Fed {
  data: { client: Buffer; server: Buffer };
  frames: WebSocketFrameEvent[];
  http: string[];
  handshake: WebSocketHandshake[];
  problems: { code: string; message: string }[];
  gaps: number;
}

function feed(chunks: RecordedChunk[], split = 0): Fed {
  const client: Buffer[] = [];
  const server: Buffer[] = [];
  const fed: Fed = { data: { client: Buffer.alloc(0), server: Buffer.alloc(0) }, frames: [], http: [], handshake: [], problems: [], gaps: 0 };
  const session = new WebSocketSession({
    http: (_fromClient, _frame, _time, label) => fed.http.push(label),
    handshake: (h) => fed.handshake.push(h),
    frame: (f) => fed.frames.push(f),
    data: (fromClient, bytes) => (fromClient ? client : server).push(Buffer.from(bytes)),
    dataGap: () => fed.gaps++,
    problem: (code, _frame, message) => fed.problems.push({ code, message }),
  });
  let frame = 0;
  for (const chunk of chunks) {
    // Optionally cut every chunk into pieces of `split` bytes: frames and heads then span segments.
    const pieces = split > 0 ? Array.from({ length: Math.ceil(chunk.bytes.length / split) }, (_, i) => chunk.bytes.subarray(i * split, (i + 1) * split)) : [chunk.bytes];
    for (const piece of pieces) {
      frame++;
      session.data(chunk.fromClient, piece, 0, piece.length, frame, frame / 1000);
    }
  }
  session.end();
  fed.data = { client: Buffer.concat(client), server: Buffer.concat(server) };
  return fed;
}

interface Recorded {
  chunks: RecordedChunk[];
  clientSent: Buffer;
  serverSent: Buffer;
}

/** A ws client sends `messages` (binary, some fragmented), the server echoes each; both ping once; the client closes with 1000. */
async function recordWebSocket(options: { deflate: false | { serverNoContextTakeover?: boolean; clientNoContextTakeover?: boolean }; messages: Buffer[] }): Promise<Recorded> {
  const perMessageDeflate = options.deflate === false ? false : { threshold: 0, serverNoContextTakeover: options.deflate.serverNoContextTakeover ?? false, clientNoContextTakeover: options.deflate.clientNoContextTakeover ?? false };
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate, handleProtocols: (protocols) => (protocols.has("mqtt") ? "mqtt" : false) });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const serverSent: Buffer[] = [];
  server.on("connection", (socket) => {
    socket.on("message", (data: Buffer) => {
      const answer = Buffer.concat([Buffer.from("re:"), data]);
      serverSent.push(answer);
      socket.send(answer, { binary: true });
    });
  });
  const relay = await startRecordingRelay((server.address() as AddressInfo).port);
  const client = new WebSocket(`ws://127.0.0.1:${relay.port}/mqtt`, ["mqtt"], { perMessageDeflate });
  await new Promise<void>((resolve, reject) => {
    client.once("open", resolve);
    client.once("error", reject);
  });
  client.ping(Buffer.from("hi"));
  for (const [i, message] of options.messages.entries()) {
    const answered = new Promise<void>((resolve) => client.once("message", () => resolve()));
    if (i % 2 === 1 && message.length > 4) {
      // A fragmented message: three frames.
      const third = Math.floor(message.length / 3);
      client.send(message.subarray(0, third), { binary: true, fin: false });
      client.send(message.subarray(third, 2 * third), { binary: true, fin: false });
      client.send(message.subarray(2 * third), { binary: true, fin: true });
    } else {
      client.send(message, { binary: true });
    }
    await answered;
  }
  await new Promise<void>((resolve) => {
    client.once("close", () => resolve());
    client.close(1000, "bye");
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await relay.close();
  return { chunks: relay.chunks, clientSent: Buffer.concat(options.messages), serverSent: Buffer.concat(serverSent) };
}

// MQTT packets whose boundaries do not line up with the messages: a CONNECT split over two messages, then a PUBLISH.
const mqttBytes = Buffer.concat([Buffer.from("101a00044d5154540402003c000e636c69656e742d6f6e652d3031", "hex"), Buffer.from("3011000a2f612f622f75706461746568656c6c6f", "hex")]);
// The same reading twice: with context takeover the second copy compresses to a reference into the first.
const reading = Buffer.from('{"id":"1","params":{"temperature":21.5,"humidity":40.2},"method":"thing.event.property.post"}');
const messages = [mqttBytes.subarray(0, 10), mqttBytes.subarray(10), Buffer.alloc(2000, 0x42), reading, reading];

for (const deflate of [false, {}, { serverNoContextTakeover: true, clientNoContextTakeover: true }] as const) {
  const name = deflate === false ? "plain" : Object.keys(deflate).length === 0 ? "permessage-deflate with context takeover" : "permessage-deflate without context takeover";
  test(`ws ${name}: the upgrade, then each side's message data byte for byte, whatever the segmenting`, async () => {
    const recorded = await recordWebSocket({ deflate, messages });
    for (const split of [0, 1, 7]) {
      const fed = feed(recorded.chunks, split);
      assert.ok(fed.data.client.equals(recorded.clientSent), `client data (split ${split})`);
      assert.ok(fed.data.server.equals(recorded.serverSent), `server data (split ${split})`);
      assert.equal(fed.handshake.length, 1);
      const hs = fed.handshake[0];
      assert.equal(hs.accepted, true);
      assert.equal(hs.status, 101);
      assert.equal(hs.path, "/mqtt");
      assert.equal(hs.protocol, "mqtt");
      assert.deepEqual(hs.protocolsOffered, ["mqtt"]);
      assert.equal(hs.deflate, deflate !== false);
      assert.ok(hs.responseFrame! >= hs.requestFrame);
      assert.match(fed.http[0], /^GET \/mqtt HTTP\/1\.1 $/);
      assert.match(fed.http[1], /^HTTP\/1\.1 101 Switching Protocols $/);
      // Client frames are masked, server frames are not; a fragmented message has continuation frames.
      assert.ok(fed.frames.filter((f) => f.fromClient).every((f) => f.masked));
      assert.ok(fed.frames.filter((f) => !f.fromClient).every((f) => !f.masked));
      const labels = fed.frames.map((f) => f.label);
      assert.ok(labels.includes("WebSocket Binary [FIN] [MASKED]"));
      assert.ok(labels.includes("WebSocket Binary [MASKED]"), "the first fragment");
      assert.ok(labels.includes("WebSocket Continuation [FIN] [MASKED]"));
      assert.ok(labels.includes("WebSocket Ping [FIN] [MASKED]"));
      assert.ok(labels.includes("WebSocket Pong [FIN]"));
      if (deflate !== false) assert.ok(fed.frames.some((f) => f.compressed));
      const closes = fed.problems.filter((p) => p.code === "websocket.close");
      assert.equal(closes.length, 2, "the client's close and the server's answer");
      assert.match(closes[0].message, /1000 Normal Closure \(bye\)/);
      assert.deepEqual(
        fed.problems.filter((p) => !["websocket.close", "websocket.ping"].includes(p.code)),
        [],
      );
    }
  });
}

test("frame headers: lengths of 7, 16 and 64 bits, masks, and what is refused", () => {
  const cases: { name: string; bytes: number[]; expect: string | { payloadLength: number; headerLength: number; label: string } }[] = [
    // FIN + binary, unmasked, 5 bytes
    { name: "short", bytes: [0x82, 0x05], expect: { payloadLength: 5, headerLength: 2, label: "WebSocket Binary [FIN]" } },
    // binary, masked, 126 → 16-bit length 300, mask key
    { name: "16-bit", bytes: [0x02, 0xfe, 0x01, 0x2c, 1, 2, 3, 4], expect: { payloadLength: 300, headerLength: 8, label: "WebSocket Binary [MASKED]" } },
    // continuation FIN, 127 → 64-bit length 65536
    { name: "64-bit", bytes: [0x80, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0], expect: { payloadLength: 65536, headerLength: 10, label: "WebSocket Continuation [FIN]" } },
    { name: "64-bit with its top bit set", bytes: [0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 1], expect: "most significant bit" },
    { name: "reserved opcode 3", bytes: [0x83, 0x00], expect: "reserved opcode" },
    { name: "fragmented ping", bytes: [0x09, 0x00], expect: "control frame" },
    { name: "ping of 126 bytes", bytes: [0x89, 0x7e, 0x00, 0x7e], expect: "control frame" },
  ];
  for (const c of cases) {
    const result = decodeFrameHeader(Uint8Array.from(c.bytes), 0, c.bytes.length);
    if (typeof c.expect === "string") {
      assert.ok(result.problem?.includes(c.expect), `${c.name}: ${result.problem}`);
    } else {
      assert.ok(result.header, c.name);
      assert.equal(result.header.payloadLength, c.expect.payloadLength, c.name);
      assert.equal(result.header.headerLength, c.expect.headerLength, c.name);
      assert.equal(frameLabel(result.header), c.expect.label, c.name);
    }
    // Every prefix of a valid header asks for more bytes rather than guessing.
    if (typeof c.expect !== "string") for (let cut = 0; cut < c.expect.headerLength; cut++) assert.equal(decodeFrameHeader(Uint8Array.from(c.bytes), 0, cut).needMore, true, `${c.name} cut at ${cut}`);
  }
});

test("a refused upgrade and a plain HTTP request never reach the protocol above", () => {
  const request = Buffer.from("GET /mqtt HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: abc\r\nSec-WebSocket-Version: 13\r\n\r\n");
  const refused = feed([
    { fromClient: true, bytes: request },
    { fromClient: false, bytes: Buffer.from("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n") },
    { fromClient: true, bytes: Buffer.from([0x82, 0x80, 1, 2, 3, 4]) },
  ]);
  assert.equal(refused.data.client.length + refused.data.server.length, 0);
  assert.equal(refused.handshake[0].accepted, false);
  assert.equal(refused.handshake[0].status, 403);
  assert.deepEqual(refused.problems.map((p) => p.code), ["websocket.upgrade_refused"]);

  const notWebSocket = feed([{ fromClient: true, bytes: Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n") }]);
  assert.deepEqual(notWebSocket.problems.map((p) => p.code), ["websocket.not_upgraded"]);
  const binary = feed([{ fromClient: true, bytes: Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00]) }]);
  assert.deepEqual(binary.problems.map((p) => p.code), ["websocket.not_upgraded"], "an MQTT CONNECT is not HTTP: one note, then nothing");
});

test("mutated WebSocket conversations never throw", async () => {
  const recorded = await recordWebSocket({ deflate: {}, messages });
  let seed = 99;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let round = 0; round < 300; round++) {
    const chunks = recorded.chunks.map((c) => {
      const bytes = Buffer.from(c.bytes);
      if (random() < 0.5) bytes[Math.floor(random() * bytes.length)] ^= 1 << Math.floor(random() * 8);
      return { fromClient: c.fromClient, bytes: random() < 0.1 ? bytes.subarray(0, Math.floor(random() * bytes.length)) : bytes };
    });
    feed(chunks, random() < 0.5 ? 0 : 1 + Math.floor(random() * 20));
  }
});

test("after a gap, decoding resumes at a segment that starts a well-formed frame, never in the middle of one", () => {
  const data: Buffer[] = [];
  const problems: string[] = [];
  const session = new WebSocketSession({ data: (_c, bytes) => data.push(Buffer.from(bytes)), problem: (code) => problems.push(code) });
  const upgrade = "GET /mqtt HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  session.data(true, Buffer.from(upgrade), 0, upgrade.length, 1, 0.001);
  const accept = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  session.data(false, Buffer.from(accept), 0, accept.length, 2, 0.002);
  const key = [1, 2, 3, 4];
  const masked = (payload: number[]) => Buffer.from([0x82, 0x80 | payload.length, ...key, ...payload.map((b, i) => b ^ key[i % 4])]);
  session.data(true, masked([0xc0]), 0, 6 + 1, 3, 0.003);
  session.gap(true, 4);
  // The tail of a frame whose start was lost: not decoded.
  const tail = masked([0x10, 0x11]).subarray(3);
  session.data(true, tail, 0, tail.length, 5, 0.005);
  // A segment that starts a frame: decoded again.
  const next = masked([0xe0, 0x00]);
  session.data(true, next, 0, next.length, 6, 0.006);
  assert.deepEqual(data.map((b) => [...b]), [[0xc0], [0xe0, 0x00]]);
  assert.deepEqual(problems, []);
});
