// Reading a CONNECT's header without decoding it: the stream heuristic and the level.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as mqttPacket from "mqtt-packet";
import { connectLevel, looksLikeConnect } from "../../lib/mqtt/connect-header";

const connect = (protocolId: "MQTT" | "MQIsdp", protocolVersion: 3 | 4 | 5) => mqttPacket.generate({ cmd: "connect", protocolId, protocolVersion, clientId: "d1", clean: true, keepalive: 30 });

for (const [protocolId, level] of [["MQTT", 4], ["MQTT", 5], ["MQIsdp", 3]] as const) {
  test(`connect header: a ${protocolId} level ${level} CONNECT is recognised and its level read`, () => {
    const bytes = connect(protocolId, level);
    assert.equal(looksLikeConnect(bytes, 0, bytes.length), true);
    assert.equal(connectLevel(bytes, 2, bytes.length), level, "the variable header starts after the 2-byte fixed header");
  });
}

test("connect header: other packets, other protocols and cut CONNECTs are not recognised", () => {
  const publish = mqttPacket.generate({ cmd: "publish", topic: "MQTT", payload: "x", qos: 0, dup: false, retain: false });
  assert.equal(looksLikeConnect(publish, 0, publish.length), false);
  const http = Buffer.from("GET / HTTP/1.1\r\n");
  assert.equal(looksLikeConnect(http, 0, http.length), false);
  const cut = connect("MQTT", 4);
  assert.equal(looksLikeConnect(cut, 0, 7), false);
  assert.equal(connectLevel(cut, 2, 8), undefined, "the level byte is past the end");
});
