// The connection table: an entry found from either direction of its 4-tuple,
// entries sharing a hash key kept apart, replace and sweep.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConnectionTable } from "../../lib/tcp/connection-table";
import type { Address } from "../../lib/tcp/tuple-key";

class Entry {
  constructor(readonly name: string, readonly client: [number, number], readonly server: [number, number], readonly old = false) {}
  isClient(address: Address, port: number): boolean {
    return address === this.client[0] && port === this.client[1];
  }
  isServer(address: Address, port: number): boolean {
    return address === this.server[0] && port === this.server[1];
  }
}

const KEY = 42; // every entry under one key: the hash collided
const a = new Entry("a", [1, 40000], [2, 1883]);
const b = new Entry("b", [3, 40001], [2, 1883], true);

test("connection table: found from the client's or the server's side, with the direction; collisions kept apart", () => {
  const table = new ConnectionTable<Entry>();
  table.add(KEY, a);
  table.add(KEY, b);
  const fromServer = table.lookup(KEY, 2, 1883, 3, 40001);
  assert.deepEqual([fromServer.entry?.name, fromServer.fromClient], ["b", false]);
  const fromClient = table.lookup(KEY, 1, 40000, 2, 1883);
  assert.deepEqual([fromClient.entry?.name, fromClient.fromClient], ["a", true]);
  assert.equal(table.lookup(KEY, 1, 40000, 2, 8883).entry, undefined, "another port");
  assert.equal(table.lookup(7, 1, 40000, 2, 1883).entry, undefined, "another key");
});

test("connection table: replace keeps the place; sweep and remove drop entries", () => {
  const table = new ConnectionTable<Entry>();
  table.add(KEY, a);
  table.add(KEY, b);
  const closedA = new Entry("a closed", a.client, a.server, true);
  table.replace(KEY, a, closedA);
  assert.deepEqual(table.entries().map((e) => e.name), ["a closed", "b"]);
  table.sweep((e) => e.old && e.name === "b");
  assert.deepEqual(table.entries().map((e) => e.name), ["a closed"]);
  table.remove(KEY, closedA);
  assert.deepEqual(table.entries(), []);
});
