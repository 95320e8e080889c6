// The device simulator against the embedded platform (real MQTT over loopback).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { DeviceRegistry, deviceTopics, signMqttCredentials } from "../lib/device";
import { startPlatform } from "../lib/platform";
import { mulberry32, nextReading, simulate as simulateWithoutPlatform, SimulationRunError, type SimulatorEvent } from "../lib/simulator";
import { runSimulation, simulate } from "../lib/lab/simulate";

const FAST = 10; // the 8 s script in 0.8 s

function types(events: SimulatorEvent[]): string[] {
  return events.map((e) => e.type);
}

test("the simulator alone starts no platform: without a broker it says what to pass", async () => {
  const simulation = simulateWithoutPlatform({ registry: DeviceRegistry.inMemory(), speed: FAST });
  await assert.rejects(simulation.done, /no broker to run against: pass broker, cloud or platform/);
});

test("mulberry32 is deterministic and readings stay in 10..29, temperature first", () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const readings = Array.from({ length: 200 }, () => nextReading(a));
  assert.deepEqual(readings, Array.from({ length: 200 }, () => nextReading(b)));
  for (const r of readings) {
    assert.deepEqual(Object.keys(r), ["temperature", "humidity"]);
    for (const v of [r.temperature, r.humidity]) assert.ok(Number.isInteger(v) && v >= 10 && v <= 29, String(v));
  }
  // every value of the range shows up
  assert.equal(new Set(readings.map((r) => r.temperature)).size, 20);
});

test("the tutorial program against the embedded platform at speed 10: events in order, on schedule", async () => {
  const registry = DeviceRegistry.inMemory();
  const summary = await runSimulation({ registry, speed: FAST, seed: 7 });
  const events = summary.events;
  assert.deepEqual(types(events), ["connected", "subscribed", "published", "acked", "closed"]);
  const [connected, subscribed, published, acked, closed] = events as [
    Extract<SimulatorEvent, { type: "connected" }>,
    Extract<SimulatorEvent, { type: "subscribed" }>,
    Extract<SimulatorEvent, { type: "published" }>,
    Extract<SimulatorEvent, { type: "acked" }>,
    Extract<SimulatorEvent, { type: "closed" }>,
  ];
  const device = summary.devices[0]!.device;
  assert.equal(device.deviceName, "device1");
  assert.equal(connected.returnCode, 0);
  assert.equal(connected.protocolVersion, 4);
  assert.match(connected.clientId, /^a1\w{9}\.device1\|securemode=3,signmethod=hmacsha1,timestamp=\d+\|$/);
  assert.equal(subscribed.topic, deviceTopics(device).userGet);
  assert.equal(subscribed.granted, 1);
  assert.equal(published.topic, deviceTopics(device).userUpdate);
  assert.equal(published.qos, 1);
  assert.match(published.payload, /^\{"temperature":(1\d|2\d),"humidity":(1\d|2\d)\}$/);
  assert.equal(acked.messageId, published.messageId);
  assert.ok(acked.latencyMs >= 0 && acked.latencyMs < 1000);
  assert.equal(closed.clean, true);

  // 3 s, 5 s and 8 s after the CONNACK, divided by the speed (timers never fire early)
  const since = (e: SimulatorEvent) => e.elapsedMs - connected.elapsedMs;
  assert.ok(since(subscribed) >= 295 && since(subscribed) < 1500, `subscribed at ${since(subscribed)}`);
  assert.ok(since(published) >= 495 && since(published) < 1700, `published at ${since(published)}`);
  assert.ok(since(closed) >= 795 && since(closed) < 3000, `closed at ${since(closed)}`);

  // the embedded platform saw the same run
  assert.equal(summary.broker.embedded, true);
  assert.deepEqual(
    summary.deviceLog!.map((e) => e.event),
    ["online", "subscribe", "upstream", "offline"],
  );
  assert.equal(summary.deviceLog!.at(-1)!.reason, "client disconnected");
  assert.equal(summary.deviceLog![2]!.messageId, published.messageId);
  assert.deepEqual(summary.devices[0]!.readings, [JSON.parse(published.payload)]);
});

test("the same seed gives the same readings; another seed other ones", async () => {
  const registry = DeviceRegistry.inMemory();
  const run = async (seed: number) => (await runSimulation({ registry, speed: 50, seed, count: 5, interval: 0.1 })).devices[0]!.readings;
  const first = await run(1234);
  assert.equal(first.length, 5);
  assert.deepEqual(await run(1234), first);
  assert.notDeepEqual(await run(1235), first);
  // the readings are the seeded generator's, drawn temperature then humidity
  const random = mulberry32(1234);
  assert.deepEqual(first, Array.from({ length: 5 }, () => nextReading(random)));
});

test("events come through the emitter and the async iterator alike", async () => {
  const registry = DeviceRegistry.inMemory();
  const simulation = simulate({ registry, speed: FAST, seed: 3 });
  const heard: string[] = [];
  simulation.on("event", (e) => heard.push(e.type));
  const published: number[] = [];
  simulation.on("published", (e) => published.push(e.qos));
  const iterated: SimulatorEvent[] = [];
  for await (const event of simulation) iterated.push(event);
  const summary = await simulation.done;
  assert.deepEqual(types(iterated), ["connected", "subscribed", "published", "acked", "closed"]);
  assert.deepEqual(heard, types(iterated));
  assert.deepEqual(published, [1]);
  assert.deepEqual(summary.events, iterated);
  // a late iterator still sees everything
  const late: string[] = [];
  for await (const event of simulation) late.push(event.type);
  assert.deepEqual(late, heard);
});

test("MQTT 5 with several messages and a clock for reproducible clientIds", async () => {
  const registry = DeviceRegistry.inMemory();
  const summary = await runSimulation({ registry, speed: FAST, protocolVersion: 5, count: 3, interval: 0.5, seed: 9, clock: () => 1700000000000 });
  assert.deepEqual(types(summary.events), ["connected", "subscribed", "published", "acked", "published", "acked", "published", "acked", "closed"]);
  const connected = summary.events[0] as Extract<SimulatorEvent, { type: "connected" }>;
  assert.equal(connected.protocolVersion, 5);
  assert.match(connected.clientId, /timestamp=1700000000000\|$/);
  const run = summary.devices[0]!;
  assert.equal(run.clientId, connected.clientId);
  assert.equal(run.published, 3);
  assert.equal(run.acked, 3);
  assert.equal(summary.deviceLog!.filter((e) => e.event === "upstream").every((e) => e.protocolVersion === 5), true);
  // the summary carries the clientId and username, never the password or the secret
  const device = registry.list()[0]!;
  const password = signMqttCredentials(device, { clock: () => 1700000000000 }).password;
  const text = JSON.stringify(summary);
  assert.ok(!text.includes(password));
  assert.ok(!text.includes(device.deviceSecret));
});

test("QoS 2: completed when the platform allows it, refused as on the real platform otherwise", async () => {
  const registry = DeviceRegistry.inMemory();
  const ok = await runSimulation({ registry, speed: FAST, qos: 2, embeddedPlatform: { maxQos: 2 } });
  assert.deepEqual(types(ok.events), ["connected", "subscribed", "published", "acked", "closed"]);
  assert.equal((ok.events[2] as Extract<SimulatorEvent, { type: "published" }>).qos, 2);

  for (const protocolVersion of [4, 5] as const) {
    const simulation = simulate({ registry, speed: FAST, qos: 2, protocolVersion });
    const errors: string[] = [];
    simulation.on("error", (e) => errors.push(e.message));
    await assert.rejects(simulation.done, (error: unknown) => {
      assert.ok(error instanceof SimulationRunError);
      assert.match(error.message, protocolVersion === 5 ? /DISCONNECT 0x9b/ : /the server closed the connection/);
      assert.match(error.summary.deviceLog!.find((e) => e.event === "upstream")!.reason!, /QoS 2 is not supported/);
      return true;
    });
    assert.equal(errors.length, 1);
  }
});

test("a fleet of 5: each device its own identity, at most `concurrency` at once, reused on the next run", async () => {
  const registry = DeviceRegistry.inMemory();
  const summary = await runSimulation({ registry, speed: 20, fleet: 5, concurrency: 2, seed: 5 });
  assert.deepEqual(
    summary.devices.map((d) => d.device.deviceName),
    ["sim-0001", "sim-0002", "sim-0003", "sim-0004", "sim-0005"],
  );
  assert.ok(summary.devices.every((d) => d.ok && d.acked === 1));
  assert.equal(new Set(summary.devices.map((d) => d.device.productKey)).size, 1);
  assert.equal(new Set(summary.devices.map((d) => d.clientId)).size, 5);
  let live = 0;
  let peak = 0;
  for (const e of summary.events) {
    if (e.type === "connected") peak = Math.max(peak, ++live);
    if (e.type === "closed") live--;
  }
  assert.equal(peak, 2);
  assert.equal(summary.deviceLog!.filter((e) => e.event === "online").length, 5);
  // each device draws its own readings
  assert.ok(new Set(summary.devices.map((d) => JSON.stringify(d.readings))).size > 1);

  await runSimulation({ registry, speed: 50, fleet: 5 });
  assert.equal(registry.size, 5);
});

test("a refused login is an error event and a rejected run with the CONNACK code", async (t) => {
  const platformRegistry = DeviceRegistry.inMemory();
  const platform = await startPlatform({ registry: platformRegistry });
  t.after(() => platform.stop());
  // The device is unknown to the platform: answered like a wrong password (4 / 0x86), as the platform does.
  for (const [protocolVersion, expected] of [
    [4, /login refused by mqtt:\/\/127\.0\.0\.1:\d+: CONNACK return code 4 \(bad user name or password\)/],
    [5, /CONNACK reason code 0x86 \(Bad User Name or Password\)/i],
  ] as const) {
    const simulation = simulate({ platform, registry: DeviceRegistry.inMemory(), protocolVersion, speed: FAST });
    const errors: SimulatorEvent[] = [];
    simulation.on("error", (e) => errors.push(e));
    await assert.rejects(simulation.done, expected);
    assert.equal(errors.length, 1);
    assert.deepEqual(types(simulation.events), ["error", "closed"]);
  }
  assert.equal(platform.deviceLog.entries.filter((e) => e.event === "login-refused").length, 2);
});

test("an unreachable broker is a clear error, and nothing is left running", async () => {
  // a port that was just free: nothing listens there
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
  const simulation = simulate({ broker: `mqtt://127.0.0.1:${port}`, registry: DeviceRegistry.inMemory(), speed: FAST });
  await assert.rejects(simulation.done, new RegExp(`cannot connect to mqtt://127\\.0\\.0\\.1:${port}: connection refused`));
  const error = simulation.events.find((e) => e.type === "error");
  assert.equal(error?.type === "error" && error.code, "ECONNREFUSED");
});

test("bad options are refused before anything starts", async () => {
  await assert.rejects(runSimulation({ registry: DeviceRegistry.inMemory(), speed: 0 }), /speed must be a positive number/);
  await assert.rejects(runSimulation({ registry: DeviceRegistry.inMemory(), qos: 3 as never }), /qos must be 0, 1 or 2/);
  await assert.rejects(runSimulation({ registry: DeviceRegistry.inMemory(), device: "no" }), /deviceName must be 4 to 32 characters/);
});

test("stop() ends a run early with a clean DISCONNECT", async () => {
  const registry = DeviceRegistry.inMemory();
  const simulation = simulate({ registry, speed: 1 });
  await new Promise<void>((resolve) => simulation.once("connected", () => resolve()));
  const summary = await simulation.stop();
  assert.deepEqual(types(summary.events), ["connected", "closed"]);
  assert.equal(summary.deviceLog!.at(-1)!.reason, "client disconnected");
});

test("runSimulation over wss (tls + transport ws): the device trusts the platform's certificate and the key log gets the secrets", async (t) => {
  const { mkdtempSync, readFileSync, rmSync, statSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "iwl-sim-wss-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const registry = DeviceRegistry.inMemory();
  const platform = await startPlatform({ registry, tls: true, websocket: true, tlsPort: 0, wsPort: 0, wssPort: 0, certificateFolder: dir });
  t.after(() => platform.stop());
  const keylog = join(dir, "keys.log");
  const summary = await runSimulation({ platform, registry, tls: true, transport: "ws", keylog, speed: 20, seed: 1 });
  assert.equal(summary.broker.url, platform.wssUrl);
  assert.equal(summary.devices[0]!.acked, 1);
  assert.match(summary.devices[0]!.clientId, /securemode=2/);
  assert.equal(statSync(keylog).mode & 0o777, 0o600);
  assert.match(readFileSync(keylog, "utf8"), /^CLIENT_TRAFFIC_SECRET_0 [0-9a-f]{64} [0-9a-f]+$/m);
});
