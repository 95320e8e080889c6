// Our use of mqtt-packet (one parser for all connections, fed one framed
// packet at a time through a single-buffer list) must decode every packet type
// exactly as mqtt-packet's own streaming parser does. Each case is generated
// by mqtt-packet's generator, decoded both ways, and compared.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as mqttPacket from "mqtt-packet";
import type { Packet } from "mqtt-packet";
import { decodeMqttPacket } from "../../lib/mqtt/decoder";

const cases: Array<{ name: string; version: 3 | 4 | 5; packet: Record<string, unknown> }> = [
  { name: "CONNECT 3.1", version: 3, packet: { cmd: "connect", protocolId: "MQIsdp", protocolVersion: 3, clientId: "dev1", clean: true, keepalive: 60 } },
  {
    name: "CONNECT 3.1.1 with will, username and password",
    version: 4,
    packet: { cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clientId: "a1B2c3D4e5F.device1|securemode=3,signmethod=hmacsha1,timestamp=789|", clean: true, keepalive: 300, username: "device1&a1B2c3D4e5F", password: Buffer.from("fafd82a3d602b37fb0fa8b7892f24a477f851a14"), will: { topic: "/will", payload: Buffer.from("gone"), qos: 1, retain: false } },
  },
  { name: "CONNACK 3.1.1 refused", version: 4, packet: { cmd: "connack", returnCode: 4, sessionPresent: false } },
  { name: "PUBLISH QoS 0", version: 4, packet: { cmd: "publish", topic: "/a1B2c3D4e5F/device1/user/update", payload: Buffer.from('{"temperature":21,"humidity":17}'), qos: 0, retain: false, dup: false } },
  { name: "PUBLISH QoS 1 retained", version: 4, packet: { cmd: "publish", topic: "t", payload: Buffer.from("x"), qos: 1, messageId: 7, retain: true, dup: false } },
  { name: "PUBLISH QoS 2 duplicate", version: 4, packet: { cmd: "publish", topic: "t", payload: Buffer.alloc(300, 1), qos: 2, messageId: 65535, retain: false, dup: true } },
  { name: "PUBACK", version: 4, packet: { cmd: "puback", messageId: 7 } },
  { name: "PUBREC", version: 4, packet: { cmd: "pubrec", messageId: 8 } },
  { name: "PUBREL", version: 4, packet: { cmd: "pubrel", messageId: 8 } },
  { name: "PUBCOMP", version: 4, packet: { cmd: "pubcomp", messageId: 8 } },
  { name: "SUBSCRIBE two filters", version: 4, packet: { cmd: "subscribe", messageId: 3, subscriptions: [{ topic: "/a/+/get", qos: 1 }, { topic: "#", qos: 0 }] } },
  { name: "SUBACK with a failure", version: 4, packet: { cmd: "suback", messageId: 3, granted: [1, 128] } },
  { name: "UNSUBSCRIBE", version: 4, packet: { cmd: "unsubscribe", messageId: 4, unsubscriptions: ["/a/b"] } },
  { name: "UNSUBACK", version: 4, packet: { cmd: "unsuback", messageId: 4 } },
  { name: "PINGREQ", version: 4, packet: { cmd: "pingreq" } },
  { name: "PINGRESP", version: 4, packet: { cmd: "pingresp" } },
  { name: "DISCONNECT", version: 4, packet: { cmd: "disconnect" } },
  {
    name: "CONNECT 5 with properties",
    version: 5,
    packet: { cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "", clean: true, keepalive: 30, properties: { sessionExpiryInterval: 120, receiveMaximum: 10, userProperties: { lab: "wire" } } },
  },
  { name: "CONNACK 5 with assigned client id", version: 5, packet: { cmd: "connack", reasonCode: 0, sessionPresent: false, properties: { assignedClientIdentifier: "auto-1", topicAliasMaximum: 10 } } },
  { name: "CONNACK 5 refused (0x86)", version: 5, packet: { cmd: "connack", reasonCode: 0x86, sessionPresent: false } },
  { name: "PUBLISH 5 with properties", version: 5, packet: { cmd: "publish", topic: "t/5", payload: Buffer.from("{}"), qos: 1, messageId: 2, retain: false, dup: false, properties: { payloadFormatIndicator: true, contentType: "application/json", correlationData: Buffer.from([1, 2, 3]), userProperties: { k: "v" } } } },
  { name: "PUBACK 5 with reason code", version: 5, packet: { cmd: "puback", messageId: 2, reasonCode: 0x10 } },
  { name: "SUBSCRIBE 5 with options", version: 5, packet: { cmd: "subscribe", messageId: 9, subscriptions: [{ topic: "a/#", qos: 1, nl: true, rap: true, rh: 1 }], properties: { subscriptionIdentifier: 5 } } },
  { name: "SUBACK 5", version: 5, packet: { cmd: "suback", messageId: 9, granted: [1, 0x87] } },
  { name: "UNSUBACK 5", version: 5, packet: { cmd: "unsuback", messageId: 10, granted: [0, 0x11] } },
  { name: "DISCONNECT 5 with reason", version: 5, packet: { cmd: "disconnect", reasonCode: 0x8e, properties: { reasonString: "taken over" } } },
  { name: "AUTH 5", version: 5, packet: { cmd: "auth", reasonCode: 0x18, properties: { authenticationMethod: "SCRAM-SHA-1", authenticationData: Buffer.from("abc") } } },
];

/** mqtt-packet's own streaming parser, as a reference. */
function reference(bytes: Buffer, version: number): Packet {
  const parser = mqttPacket.parser({ protocolVersion: version });
  let found: Packet | undefined;
  parser.on("packet", (p: Packet) => (found = p));
  parser.on("error", (e: Error) => {
    throw e;
  });
  parser.parse(bytes);
  assert.ok(found, "reference parser produced a packet");
  return found;
}

for (const c of cases) {
  test(`decodes ${c.name} exactly as mqtt-packet's streaming parser`, () => {
    const bytes = mqttPacket.generate(c.packet as unknown as Packet, { protocolVersion: c.version });
    // Place the packet in the middle of a larger buffer, as it sits in a capture chunk.
    const chunk = Buffer.concat([Buffer.from([0xde, 0xad]), bytes, Buffer.from([0xbe, 0xef])]);
    const result = decodeMqttPacket(chunk, 2, 2 + bytes.length, c.version);
    assert.equal(result.error, undefined);
    assert.deepEqual(result.packet, reference(bytes, c.version));
  });
}

test("errors are returned, and the shared parser keeps working after one", () => {
  // PUBLISH with QoS 3 (both QoS bits set) is malformed (MQTT 3.1.1 §3.3.1.2).
  const bad = Buffer.from([0x36, 0x03, 0x00, 0x01, 0x74]);
  const result = decodeMqttPacket(bad, 0, bad.length, 4);
  assert.match(result.error ?? "", /QoS/);
  const good = mqttPacket.generate({ cmd: "puback", messageId: 42 } as Packet);
  assert.equal((decodeMqttPacket(good, 0, good.length, 4).packet as { messageId?: number }).messageId, 42);
});

test("a packet whose body is shorter than its fields is an error, not an exception", () => {
  // CONNECT claiming a 10-byte protocol name in a 4-byte body.
  const bad = Buffer.from([0x10, 0x04, 0x00, 0x0a, 0x4d, 0x51]);
  const result = decodeMqttPacket(bad, 0, bad.length, 4);
  assert.ok(result.error, "error reported");
  const ping = Buffer.from([0xc0, 0x00]);
  assert.equal(decodeMqttPacket(ping, 0, 2, 4).packet?.cmd, "pingreq");
});

test("the protocol version is the caller's, not learned from a previous CONNECT", () => {
  const connect5 = mqttPacket.generate({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "x", clean: true, keepalive: 10 } as Packet, { protocolVersion: 5 });
  assert.equal(decodeMqttPacket(connect5, 0, connect5.length, 4).error, undefined);
  // A 3.1.1 PUBACK right after must still decode as 3.1.1 (no reason code byte expected).
  const puback = Buffer.from([0x40, 0x02, 0x00, 0x05]);
  const decoded = decodeMqttPacket(puback, 0, 4, 4).packet as { messageId?: number; reasonCode?: number };
  assert.equal(decoded.messageId, 5);
  assert.equal(decoded.reasonCode, undefined);
});
