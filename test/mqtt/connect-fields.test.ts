import { test } from "node:test";
import assert from "node:assert/strict";
import { locateConnectFields, type ConnectLocation } from "../../lib/mqtt/connect-fields";
import { hex } from "../helpers/hex";
import { flipBytes, seededRandom } from "../helpers/mutation";

// MQTT 3.1.1 CONNECT, user name and password, reserved flag bit set (mqtt-packet refuses it):
//   10 18                   CONNECT, Remaining Length 24
//   00 04 4d 51 54 54       protocol name "MQTT"
//   04                      level 4 (3.1.1)
//   c3                      flags: user name, password, clean session, RESERVED bit 0
//   00 3c                   keep alive 60
//   00 03 64 65 76          client id "dev"       (bytes [14, 17))
//   00 01 75                user name "u"         (bytes [19, 20))
//   00 04 73 65 63 72       password "secr"       (bytes [22, 26))
const reserved = "10 18 00 04 4d 51 54 54 04 c3 00 3c 00 03 64 65 76 00 01 75 00 04 73 65 63 72";

// MQTT 5 CONNECT with properties and a will:
//   10 21                   CONNECT, Remaining Length 33
//   00 04 4d 51 54 54 05    "MQTT", level 5
//   c6 00 3c                flags: user name, password, will, clean start · keep alive 60
//   05 11 00 00 00 3c       properties (5 bytes): Session Expiry Interval 60
//   00 01 63                client id "c"         (bytes [20, 21))
//   00                      will properties (none)
//   00 01 74                will topic "t"        (bytes [24, 25))
//   00 01 77                will payload "w"      (bytes [27, 28))
//   00 01 75                user name "u"         (bytes [30, 31))
//   00 02 70 77             password "pw"         (bytes [33, 35))
const mqtt5 = "10 21 00 04 4d 51 54 54 05 c6 00 3c 05 11 00 00 00 3c 00 01 63 00 00 01 74 00 01 77 00 01 75 00 02 70 77";

const fields = (location: ConnectLocation) => ("fields" in location ? location.fields.map((f) => [f.name, f.start, f.end]) : []);

test("locateConnectFields: every field as a byte range, past what mqtt-packet refuses", () => {
  const located = locateConnectFields(hex(reserved), "port");
  assert.equal(located.status, "located");
  assert.deepEqual(fields(located), [
    ["clientId", 14, 17],
    ["username", 19, 20],
    ["password", 22, 26],
  ]);
  assert.equal(located.status === "located" && located.packetEnd, 26);
});

test("locateConnectFields: MQTT 5 properties and will properties are skipped by their lengths", () => {
  const located = locateConnectFields(hex(mqtt5), "heuristic");
  assert.deepEqual(fields(located), [
    ["clientId", 20, 21],
    ["willTopic", 24, 25],
    ["willPayload", 27, 28],
    ["username", 30, 31],
    ["password", 33, 35],
  ]);
});

test("locateConnectFields: table of streams that are not, or not wholly, a CONNECT", () => {
  const cases: Array<[string, string, "port" | "heuristic", ConnectLocation["status"]]> = [
    ["a CONNACK", "20 02 00 00", "port", "not-connect"],
    ["TLS ClientHello on 8883", "16 03 01 00 a5 01 00 00 a1 03 03", "heuristic", "not-connect"],
    ["TLS ClientHello on 1883 (its first byte has type 1)", "16 03 01 00 a5 01 00 00 a1 03 03", "port", "not-connect"],
    ["a CONNECT byte but no protocol name, by heuristic", "10 05 00 03 61 62 63", "heuristic", "not-connect"],
    ["reserved bit: heuristic needs exactly 0x10, the name and the level", reserved.replace(/^10/, "11"), "heuristic", "not-connect"],
    ["cut inside the client id's length", reserved.split(" ").slice(0, 13).join(" "), "port", "incomplete"],
    ["cut inside the password: its range is still known", reserved.split(" ").slice(0, 24).join(" "), "port", "located"],
    ["a password length past the packet's end", reserved.replace(/00 04 73 65 63 72$/, "00 09 73 65 63 72"), "port", "malformed"],
    ["a Remaining Length of 5 bytes", "10 ff ff ff ff 01", "port", "malformed"],
  ];
  for (const [name, bytes, detection, status] of cases) assert.equal(locateConnectFields(hex(bytes), detection).status, status, name);
  const cut = locateConnectFields(hex(reserved).subarray(0, 13), "port");
  assert.deepEqual(cut, { status: "incomplete", fields: [], stoppedAt: 12, packetEnd: 26 });
});

test("locateConnectFields never throws, and its ranges are ordered, on mutated and cut CONNECTs", () => {
  const random = seededRandom(11);
  for (const source of [hex(reserved), hex(mqtt5)]) {
    for (let i = 0; i < 3000; i++) {
      const mutated = flipBytes(source, random).subarray(0, Math.floor(random() * (source.length + 1)));
      for (const detection of ["port", "heuristic"] as const) {
        const location = locateConnectFields(mutated, detection);
        if (!("fields" in location)) continue;
        let previous = 0;
        for (const f of location.fields) {
          assert.ok(f.start >= previous && f.end >= f.start, JSON.stringify(location));
          previous = f.end;
        }
      }
    }
  }
});
