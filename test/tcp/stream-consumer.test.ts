// The stream-consumer table: which protocol runs on a stream (server port, else
// a heuristic over the client's first bytes), and consumers that stack, each
// picking the consumer of what it carries from the same table. The protocols
// here are test stand-ins (a length-prefixed record layer for TLS, an HTTP
// Upgrade then length-prefixed frames for WebSocket, a recorder for MQTT), so
// the table and the stacking are tested without any real decoder.
import { test } from "node:test";
import assert from "node:assert/strict";
import { StreamProtocolTable, type StreamConsumer, type StreamContext, type StreamProtocol } from "../../lib/tcp/stream-consumer";

type Name = "records" | "upgrade" | "mqtt";
const log: string[] = [];

/** The innermost layer: records what reaches it. */
const mqtt: StreamProtocol<Name> = {
  name: "mqtt",
  ports: [1883],
  heuristic: (bytes, start, end) => end - start >= 2 && bytes[start] === 0x10, // CONNECT's first byte
  create: (context) => ({
    data: (bytes, start, end) => void log.push(`mqtt ${context.fromClient ? "c" : "s"} ${Buffer.from(bytes.subarray(start, end)).toString("hex")}`),
    gap: (length) => void log.push(`mqtt gap ${length}`),
    end: () => void log.push("mqtt end"),
  }),
};

/**
 * A layer of [length][payload] units whose payloads form the next layer's
 * stream; that layer is picked from the table by a heuristic over the first payload.
 */
function unitLayer(context: StreamContext, table: StreamProtocolTable<Name>, self: StreamProtocol<Name>, skipHeader: boolean): StreamConsumer {
  let pending = Buffer.alloc(0);
  let headerDone = !skipHeader;
  let inner: StreamConsumer | undefined;
  return {
    data(bytes, start, end, frame) {
      pending = Buffer.concat([pending, bytes.subarray(start, end)]);
      if (!headerDone) {
        const at = pending.indexOf("\r\n\r\n");
        if (at < 0) return;
        pending = pending.subarray(at + 4);
        headerDone = true;
      }
      while (pending.length >= 1 && pending.length >= 1 + pending[0]) {
        const payload = pending.subarray(1, 1 + pending[0]);
        pending = pending.subarray(1 + pending[0]);
        inner ??= table.byHeuristic(payload, 0, payload.length, self)?.create?.(context, table);
        inner?.data(payload, 0, payload.length, frame);
      }
    },
    gap(length, frame) {
      pending = Buffer.alloc(0);
      inner?.gap(length, frame);
    },
    end() {
      inner?.end();
    },
  };
}

const records: StreamProtocol<Name> = { name: "records", ports: [8883], create: (context, table) => unitLayer(context, table, records, false) };
const upgrade: StreamProtocol<Name> = {
  name: "upgrade",
  // An HTTP request line: the Upgrade header may come in a later unit.
  heuristic: (bytes, start, end) => Buffer.from(bytes.subarray(start, Math.min(end, start + 4))).toString("latin1") === "GET ",
  create: (context, table) => unitLayer(context, table, upgrade, true),
};

const table = new StreamProtocolTable<Name>().register(records).register(upgrade).register(mqtt);
const context = (serverPort: number, fromClient = true): StreamContext => ({ stream: 0, clientPort: 40000, serverPort, fromClient });
const connect = Buffer.from([0x10, 0x02, 0xaa, 0xbb]);

test("stream table: the server port decides, else a heuristic over the client's first bytes", () => {
  assert.equal(table.byPort(1883)?.name, "mqtt");
  assert.equal(table.byPort(8883)?.name, "records");
  assert.equal(table.byHeuristic(connect, 0, connect.length)?.name, "mqtt");
  assert.ok(table.consumerFor(context(5555), { bytes: connect, start: 0, end: connect.length }), "a CONNECT on any port");
  assert.equal(table.consumerFor(context(5555, false), { bytes: connect, start: 0, end: connect.length }), undefined, "heuristics read the client's bytes only");
  assert.equal(table.consumerFor(context(5555), { bytes: Buffer.from("hello"), start: 0, end: 5 }), undefined, "nobody claims it");
  assert.equal(new StreamProtocolTable<Name>().register(mqtt).register({ name: "records", ports: [1883] }).byPort(1883)?.name, "mqtt", "a port stays with the first protocol");
});

test("stream table: consumers stack (records → upgrade → mqtt), whatever the segment boundaries, and pass gaps and the end down", () => {
  log.length = 0;
  const ws = Buffer.concat([Buffer.from("GET /mqtt HTTP/1.1\r\nUpgrade: websocket\r\n\r\n", "latin1"), Buffer.from([connect.length]), connect, Buffer.from([2, 0xc0, 0x00])]);
  // The upgrade layer's bytes travel inside records of at most 16 bytes.
  const units: Buffer[] = [];
  for (let i = 0; i < ws.length; i += 16) units.push(Buffer.concat([Buffer.from([Math.min(16, ws.length - i)]), ws.subarray(i, i + 16)]));
  const wire = Buffer.concat(units);
  const outer = table.consumerFor(context(8883));
  assert.ok(outer);
  // Fed in 5-byte segments, as TCP might deliver them.
  for (let i = 0; i < wire.length; i += 5) outer.data(wire, i, Math.min(i + 5, wire.length), 1 + i / 5);
  outer.gap(100, 0);
  outer.end();
  assert.deepEqual(log, ["mqtt c 1002aabb", "mqtt c c000", "mqtt gap 100", "mqtt end"]);
});
