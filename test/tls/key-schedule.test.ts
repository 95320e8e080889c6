// Known answers for the TLS key schedule and record protection:
// RFC 8448 §3 (the simple 1-RTT handshake, TLS_AES_128_GCM_SHA256) and the
// TLS 1.2 PRF vector circulated on the IETF TLS working group's list.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cipherSuites } from "../../lib/tls/cipher-suites";
import { hkdfExpandLabel, tls12Prf, tls13NextTrafficSecret, tls13TrafficKeys } from "../../lib/tls/key-schedule";
import { tls13Opener } from "../../lib/tls/record-protection";
import { hex } from "../helpers/hex";

const aes128 = cipherSuites.get(0x1301)!;
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

// RFC 8448 §3, "{server} derive secret tls13 s hs traffic" and "{client} derive secret tls13 c hs traffic".
const serverHandshakeSecret = hex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
const clientHandshakeSecret = hex("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21");
// "{client} derive secret tls13 c ap traffic"
const clientApplicationSecret = hex("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5");

test("HKDF-Expand-Label gives RFC 8448's handshake and application write keys", () => {
  const server = tls13TrafficKeys(aes128, serverHandshakeSecret);
  assert.equal(toHex(server.key), "3fce516009c21727d0f2e4e86ee403bc");
  assert.equal(toHex(server.iv), "5d313eb2671276ee13000b30");
  const client = tls13TrafficKeys(aes128, clientHandshakeSecret);
  assert.equal(toHex(client.key), "dbfaa693d1762c5b666af5d950258d01");
  assert.equal(toHex(client.iv), "5bd3c71b836e0b76bb73265f");
  const application = tls13TrafficKeys(aes128, clientApplicationSecret);
  assert.equal(toHex(application.key), "17422dda596ed5d9acd890e3c63f5051");
  assert.equal(toHex(application.iv), "5b78923dee08579033e523d9");
  // RFC 8448 §3: finished_key = HKDF-Expand-Label(server hs secret, "finished", "", 32)
  assert.equal(toHex(hkdfExpandLabel("sha256", serverHandshakeSecret, "finished", new Uint8Array(0), 32)), "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8");
});

test("RFC 8448's client records open: its Finished under the handshake keys, 50 bytes of data under the application keys", () => {
  // "{client} send handshake record: complete record" (Finished, sequence 0)
  const finished = hex("17 03 03 00 35 75 ec 4d c2 38 cc e6 0b 29 80 44 a7 1e 21 9c 56 cc 77 b0 51 7f e9 b9 3c 7a 4b fc 44 d8 7f 38 f8 03 38 ac 98 fc 46 de b3 84 bd 1c ae ac ab 68 67 d7 26 c4 05 46");
  const handshake = tls13Opener(aes128, tls13TrafficKeys(aes128, clientHandshakeSecret)).open(finished.subarray(0, 5), finished.subarray(5));
  assert.ok(handshake.ok);
  assert.equal(handshake.contentType, 22);
  assert.equal(handshake.plaintext[0], 20, "a Finished message");
  assert.equal(handshake.plaintext.length, 4 + 32, "header + 32-byte verify_data");

  // "{client} send application_data record: complete record" (payload 00 01 … 31, sequence 0)
  const record = hex(
    "17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55 cb ef ac ea 42 f9 14 aa 66 bc ab 3f 2b 98 19 a8 a5 b4 6b 39 5b d5 4a 9a 20 44 1e 2b 62 97 4e 1f 5a 62 92 a2 97 70 14 bd 1e 3d ea e6 3a ee bb 21 69 49 15 e4",
  );
  const opener = tls13Opener(aes128, tls13TrafficKeys(aes128, clientApplicationSecret));
  const opened = opener.open(record.subarray(0, 5), record.subarray(5));
  assert.ok(opened.ok);
  assert.equal(opened.contentType, 23);
  assert.deepEqual([...opened.plaintext], Array.from({ length: 50 }, (_, i) => i));
  assert.equal(opener.sequence, 1n);

  // The same record again is record 1 for the opener: it must not open (nonces are per sequence number).
  const again = opener.open(record.subarray(0, 5), record.subarray(5));
  assert.equal(again.ok, false);
  // With lookahead the opener does not go backwards either; a fresh one with lookahead finds record 0.
  const fresh = tls13Opener(aes128, tls13TrafficKeys(aes128, clientApplicationSecret));
  fresh.skip();
  assert.equal(fresh.open(record.subarray(0, 5), record.subarray(5)).ok, false, "record 0 under sequence 1");
});

test("a damaged record or wrong keys give a reason, never a throw", () => {
  const record = hex("17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55 cb ef ac ea 42 f9 14 aa 66 bc ab 3f 2b 98 19 a8 a5 b4 6b 39 5b d5 4a 9a 20 44 1e 2b 62 97 4e 1f 5a 62 92 a2 97 70 14 bd 1e 3d ea e6 3a ee bb 21 69 49 15 e4");
  for (let i = 5; i < record.length; i += 7) {
    const damaged = Uint8Array.from(record);
    damaged[i] ^= 0x01;
    const result = tls13Opener(aes128, tls13TrafficKeys(aes128, clientApplicationSecret)).open(damaged.subarray(0, 5), damaged.subarray(5));
    assert.equal(result.ok, false, `flipped byte ${i}`);
  }
  const wrong = tls13Opener(aes128, tls13TrafficKeys(aes128, serverHandshakeSecret)).open(record.subarray(0, 5), record.subarray(5));
  assert.equal(wrong.ok, false);
  assert.match(wrong.ok ? "" : wrong.reason, /authentication failed/);
  const short = tls13Opener(aes128, tls13TrafficKeys(aes128, clientApplicationSecret)).open(record.subarray(0, 5), record.subarray(5, 12));
  assert.equal(short.ok, false);
});

test("after a KeyUpdate the next secret is HKDF-Expand-Label(secret, \"traffic upd\")", () => {
  const next = tls13NextTrafficSecret(aes128, clientApplicationSecret);
  assert.deepEqual(next, hkdfExpandLabel("sha256", clientApplicationSecret, "traffic upd", new Uint8Array(0), 32));
  assert.notDeepEqual(next, clientApplicationSecret);
});

test("the TLS 1.2 PRF (P_SHA256) gives the published 100-byte vector", () => {
  const out = tls12Prf("sha256", hex("9bbe436ba940f017b17652849a71db35"), "test label", hex("a0ba9f936cda311827a6f796ffd5198c"), 100);
  assert.equal(
    toHex(out),
    "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66",
  );
  // A prefix of a longer output is the shorter output.
  assert.deepEqual(tls12Prf("sha256", hex("9bbe436ba940f017b17652849a71db35"), "test label", hex("a0ba9f936cda311827a6f796ffd5198c"), 40), out.subarray(0, 40));
});
