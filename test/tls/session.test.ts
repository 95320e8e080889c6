// TlsSession on real conversations between Node's TLS client and server
// (OpenSSL): with the client's key log the application data comes out exactly
// as each side wrote it, for every TLS 1.3 suite and the TLS 1.2 AEAD and CBC
// suites; without keys the records are still labelled and the handshake's end
// is found; wrong keys and damaged records are problems, never throws.
import { test } from "node:test";
import assert from "node:assert/strict";
import { constants } from "node:crypto";
import { KeyLog } from "../../lib/tls/keylog";
import { TlsSession, type TlsHandshakeSummary, type TlsRecordEvent } from "../../lib/tls/session";
import { recordTlsConversation, type TlsConversation } from "../helpers/tls-conversation";

interface Fed {
  plaintext: { client: Buffer; server: Buffer };
  records: TlsRecordEvent[];
  handshake: TlsHandshakeSummary[];
  problems: { code: string; frame: number; message: string }[];
  gaps: number;
}

/** Feeds a recorded conversation, one chunk per frame, as TCP reassembly would. */
function feed(conversation: TlsConversation, keylog: KeyLog | undefined, mutate?: (bytes: Buffer, index: number) => Buffer): Fed {
  const client: Buffer[] = [];
  const server: Buffer[] = [];
  const fed: Fed = { plaintext: { client: Buffer.alloc(0), server: Buffer.alloc(0) }, records: [], handshake: [], problems: [], gaps: 0 };
  const session = new TlsSession(
    {
      record: (event) => fed.records.push(event),
      plaintext: (fromClient, bytes) => (fromClient ? client : server).push(Buffer.from(bytes)),
      plaintextGap: () => fed.gaps++,
      handshake: (summary) => fed.handshake.push(summary),
      problem: (code, frame, message) => fed.problems.push({ code, frame, message }),
    },
    keylog ? { secretsFor: (random) => keylog.lookup(random) } : {},
  );
  conversation.chunks.forEach((chunk, i) => {
    const bytes = mutate ? mutate(chunk.bytes, i) : chunk.bytes;
    session.data(chunk.fromClient, bytes, 0, bytes.length, i + 1, (i + 1) / 1000);
  });
  session.end();
  fed.plaintext = { client: Buffer.concat(client), server: Buffer.concat(server) };
  return fed;
}

const messages = [Buffer.from("\x10\x1a\x00\x04MQTT\x04\xc2\x00\x3cclient-one"), Buffer.alloc(3000, 0x41), Buffer.from("last")];

const cases: { name: string; options: Parameters<typeof recordTlsConversation>[0]; version: string; suite: string }[] = [
  { name: "TLS 1.3 AES-128-GCM", options: { minVersion: "TLSv1.3", ciphersuites: "TLS_AES_128_GCM_SHA256", messages, alpn: ["mqtt"] }, version: "TLSv1.3", suite: "TLS_AES_128_GCM_SHA256" },
  { name: "TLS 1.3 AES-256-GCM", options: { minVersion: "TLSv1.3", ciphersuites: "TLS_AES_256_GCM_SHA384", messages }, version: "TLSv1.3", suite: "TLS_AES_256_GCM_SHA384" },
  { name: "TLS 1.3 ChaCha20-Poly1305", options: { minVersion: "TLSv1.3", ciphersuites: "TLS_CHACHA20_POLY1305_SHA256", messages }, version: "TLSv1.3", suite: "TLS_CHACHA20_POLY1305_SHA256" },
  { name: "TLS 1.2 ECDHE AES-128-GCM", options: { maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256", messages, alpn: ["mqtt"] }, version: "TLSv1.2", suite: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
  { name: "TLS 1.2 ECDHE AES-256-GCM", options: { maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES256-GCM-SHA384", messages }, version: "TLSv1.2", suite: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
  { name: "TLS 1.2 ECDHE ChaCha20-Poly1305", options: { maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-CHACHA20-POLY1305", messages }, version: "TLSv1.2", suite: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
  { name: "TLS 1.2 ECDHE AES-128-CBC-SHA (encrypt-then-MAC)", options: { maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES128-SHA", messages }, version: "TLSv1.2", suite: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA" },
  {
    name: "TLS 1.2 ECDHE AES-256-CBC-SHA384 (MAC-then-encrypt)",
    options: { maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES256-SHA384", secureOptions: constants.SSL_OP_NO_ENCRYPT_THEN_MAC, messages },
    version: "TLSv1.2",
    suite: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
  },
  { name: "TLS 1.2 ECDHE AES-128-CBC-SHA256", options: { maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES128-SHA256", messages }, version: "TLSv1.2", suite: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256" },
];

for (const c of cases) {
  test(`${c.name}: decrypted with the key log, both directions byte for byte`, async () => {
    const conversation = await recordTlsConversation(c.options);
    assert.equal(conversation.cipher, c.suite, "OpenSSL negotiated the suite under test");
    const fed = feed(conversation, KeyLog.parse(conversation.keylog));
    assert.deepEqual(fed.problems.filter((p) => p.code !== "tls.close_notify"), []);
    assert.ok(fed.plaintext.client.equals(conversation.clientSent), "client plaintext");
    assert.ok(fed.plaintext.server.equals(conversation.serverSent), "server plaintext");
    assert.equal(fed.handshake.length, 1);
    const hs = fed.handshake[0];
    assert.equal(hs.versionName, c.version);
    assert.equal(hs.cipherSuiteName, c.suite);
    assert.equal(hs.serverName, "localhost");
    assert.equal(hs.complete, true);
    assert.equal(hs.inferred, false, "the server Finished was read, not guessed");
    assert.equal(hs.keysFound, true);
    assert.equal(hs.roundTrips, c.version === "TLSv1.3" ? 1 : 2);
    assert.ok(hs.clientBytes > 0 && hs.serverBytes > hs.clientBytes, "the server's certificate makes its side bigger");
    if (c.options.alpn) {
      assert.deepEqual(hs.alpnOffered, ["mqtt"]);
      assert.equal(hs.alpn, "mqtt");
    }
    // Each side's close_notify is an alert it sent (a note, not a warning).
    assert.ok(fed.problems.some((p) => p.code === "tls.close_notify"));
    // Labels read like Wireshark's once decrypted.
    const labels = fed.records.map((r) => r.label);
    assert.equal(labels[0], "Client Hello");
    assert.ok(labels.some((l) => l.includes("Server Hello")));
    assert.ok(labels.some((l) => l.includes("Finished")));
    assert.ok(labels.includes("Application Data"));
    assert.ok(labels.some((l) => l === "Alert (Level: Warning, Description: Close Notify)"));
    if (c.version === "TLSv1.3") assert.ok(labels.some((l) => l.startsWith("Encrypted Extensions")), labels.join(" | "));
  });
}

test("without keys: records labelled, the handshake's end inferred, one note asking for a key log, no plaintext", async () => {
  for (const options of [cases[0].options, cases[3].options]) {
    const conversation = await recordTlsConversation(options);
    const fed = feed(conversation, undefined);
    assert.equal(fed.plaintext.client.length + fed.plaintext.server.length, 0);
    const encrypted = fed.problems.filter((p) => p.code === "tls.encrypted");
    assert.equal(encrypted.length, 1);
    assert.match(encrypted[0].message, /NODE_OPTIONS=--tls-keylog=FILE/);
    assert.match(encrypted[0].message, /SSLKEYLOGFILE/);
    assert.equal(fed.handshake.length, 1);
    const hs = fed.handshake[0];
    assert.equal(hs.complete, true);
    assert.equal(hs.inferred, true);
    assert.equal(hs.keysFound, false);
    assert.ok(hs.finishedFrame! >= hs.serverHelloFrame!);
    assert.ok(hs.finishedFrame! < fed.records.filter((r) => r.fromClient && r.label === "Application Data").at(-1)!.frame);
    const labels = fed.records.map((r) => r.label);
    assert.ok(labels.includes("Application Data"));
    if (hs.version === 0x0303) assert.ok(labels.includes("Encrypted Handshake Message"));
    // The inferred end of a TLS 1.3 handshake is the server's last record before the client's Finished.
    const serverFinishedRecord = fed.records.filter((r) => !r.fromClient && r.frame === hs.finishedFrame);
    assert.ok(serverFinishedRecord.length > 0, "the handshake ends on a server frame");
  }
});

test("wrong keys and damaged records: problems and gaps, never a throw, and later records still open", async () => {
  const conversation = await recordTlsConversation(cases[0].options);
  // Keys of another connection under this connection's client random.
  const other = await recordTlsConversation(cases[0].options);
  const random = /CLIENT_HANDSHAKE_TRAFFIC_SECRET (\w{64})/.exec(conversation.keylog)![1];
  const otherRandom = /CLIENT_HANDSHAKE_TRAFFIC_SECRET (\w{64})/.exec(other.keylog)![1];
  const wrong = feed(conversation, KeyLog.parse(other.keylog.split(otherRandom).join(random)));
  assert.ok(wrong.problems.some((p) => p.code === "tls.decryption_failed"));
  assert.ok(wrong.problems.filter((p) => p.code === "tls.decryption_failed").length <= 8, "failures are not reported per record forever");
  assert.equal(wrong.plaintext.client.length, 0);

  // Flip one byte inside the client's second application record: that record is lost, the next one opens.
  const keylog = KeyLog.parse(conversation.keylog);
  const clean = feed(conversation, keylog);
  const appRecords = clean.records.filter((r) => r.fromClient && r.label === "Application Data");
  assert.ok(appRecords.length >= 2);
  const target = appRecords[1].frame;
  const damaged = feed(conversation, KeyLog.parse(conversation.keylog), (bytes, i) => {
    if (i + 1 !== target) return bytes;
    const copy = Buffer.from(bytes);
    copy[copy.length - 3] ^= 0xff;
    return copy;
  });
  assert.equal(damaged.problems.filter((p) => p.code === "tls.decryption_failed").length, 1);
  assert.equal(damaged.gaps, 1);
  assert.ok(damaged.plaintext.client.length < conversation.clientSent.length);
  assert.ok(damaged.plaintext.client.subarray(-4).equals(Buffer.from("last")), "the record after the damaged one still opens");
});

test("mutated TLS bytes never throw", async () => {
  const conversation = await recordTlsConversation(cases[3].options);
  const keylog = KeyLog.parse(conversation.keylog);
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let round = 0; round < 200; round++) {
    feed(conversation, keylog, (bytes) => {
      const copy = Buffer.from(bytes);
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) copy[Math.floor(random() * copy.length)] ^= 1 << Math.floor(random() * 8);
      return random() < 0.2 ? copy.subarray(0, Math.floor(random() * copy.length)) : copy;
    });
  }
});

test("the key log parser takes every NSS label and reports bad lines by number", () => {
  const random = "ab".repeat(32);
  const log = KeyLog.parse(
    [
      "# a comment",
      `CLIENT_RANDOM ${random} ${"11".repeat(48)}`,
      `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${random.toUpperCase()} ${"22".repeat(32)}`,
      `SERVER_TRAFFIC_SECRET_0 ${random} ${"33".repeat(48)}`,
      `EXPORTER_SECRET ${random} ${"44".repeat(32)}`,
      "CLIENT_RANDOM tooshort 00",
      `MYSTERY_LABEL ${random} ${"55".repeat(32)}`,
      `CLIENT_TRAFFIC_SECRET_0 ${random} zz`,
      "",
    ].join("\n"),
  );
  const secrets = log.lookup(Buffer.from(random, "hex"))!;
  assert.equal(Buffer.from(secrets.masterSecret!).toString("hex"), "11".repeat(48));
  assert.equal(Buffer.from(secrets.clientHandshakeTrafficSecret!).toString("hex"), "22".repeat(32));
  assert.equal(secrets.serverTrafficSecret0!.length, 48);
  assert.equal(secrets.clientTrafficSecret0, undefined);
  assert.deepEqual(
    log.problems.map((p) => p.line),
    [6, 7, 8],
  );
  assert.equal(log.size, 1);
});
