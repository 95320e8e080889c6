// The embedded platform's login rules, exercised with real MQTT clients
// (MQTT.js, and raw mqtt-packet bytes where a client library would not misbehave).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createConnection, createServer, type Socket } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as mqtt from "mqtt";
import * as mqttPacket from "mqtt-packet";
import { DeviceRegistry, signMqttCredentials, type Device } from "../lib/device";
import { waitForLog } from "./helpers/device-log";
import { startPlatform, type Platform, type PlatformOptions } from "../lib/platform";

async function withPlatform(t: { after(fn: () => Promise<void> | void): void }, options: Partial<PlatformOptions> = {}) {
  const registry = DeviceRegistry.inMemory();
  const device = registry.create({ deviceName: "device1", productKey: "a1B2c3D4e5F" });
  const platform = await startPlatform({ registry, ...options });
  t.after(() => platform.stop());
  return { platform, registry, device };
}


function connect(platform: Platform, device: Device, protocolVersion: 4 | 5, overrides: Partial<mqtt.IClientOptions> = {}) {
  const credentials = signMqttCredentials(device);
  return mqtt.connectAsync(platform.url, { ...credentials, protocolVersion, reconnectPeriod: 0, connectTimeout: 3000, ...overrides });
}

/** The code of a refused CONNECT, as MQTT.js reports it. */
async function refusal(platform: Platform, device: Device, protocolVersion: 4 | 5, overrides: Partial<mqtt.IClientOptions>): Promise<number> {
  try {
    const client = await connect(platform, device, protocolVersion, overrides);
    await client.endAsync(true);
  } catch (error) {
    return (error as { code: number }).code;
  }
  assert.fail("the login was accepted");
}

for (const version of [4, 5] as const) {
  test(`a signed login is accepted (MQTT ${version === 5 ? "5" : "3.1.1"})`, async (t) => {
    const { platform, device } = await withPlatform(t);
    let connack: mqttPacket.IConnackPacket | undefined;
    const client = mqtt.connect(platform.url, { ...signMqttCredentials(device), protocolVersion: version, reconnectPeriod: 0 });
    client.on("packetreceive", (p) => {
      if (p.cmd === "connack") connack = p;
    });
    await new Promise<void>((resolve, reject) => {
      client.once("connect", () => resolve());
      client.once("error", reject);
    });
    assert.equal(version === 5 ? connack?.reasonCode : connack?.returnCode, 0);
    if (version === 5) assert.equal(connack?.properties?.maximumQoS, 1); // the platform has no QoS 2
    const online = await waitForLog(platform, (e) => e.event === "online");
    assert.equal(online.protocolVersion, version);
    assert.equal(online.clientId, `${device.productKey}.${device.deviceName}`);
    assert.deepEqual(platform.online().map((d) => d.deviceName), ["device1"]);
    await client.endAsync();
    const offline = await waitForLog(platform, (e) => e.event === "offline");
    assert.equal(offline.reason, "client disconnected");
  });
}

// [what is wrong, MQTT.js option overrides, 3.1.1 return code, MQTT 5 reason code]
const refusals: [string, (device: Device) => Partial<mqtt.IClientOptions>, number, number][] = [
  ["a clientId without the |…| parameters", (d) => ({ clientId: `${d.productKey}.${d.deviceName}` }), 2, 0x85],
  ["an unknown sign method", (d) => ({ clientId: `${d.productKey}.${d.deviceName}|securemode=3,signmethod=hmacsha512|` }), 2, 0x85],
  ["a wrong password", () => ({ password: "0".repeat(40) }), 4, 0x86],
  ["no password", () => ({ password: undefined }), 4, 0x86],
  ["a malformed username", (d) => ({ username: d.deviceName }), 4, 0x86],
  // The same answer as a wrong password: the wire does not tell which devices exist.
  ["an unknown device", (d) => ({ username: `ghost1&${d.productKey}` }), 4, 0x86],
];

for (const [what, overrides, code3, code5] of refusals) {
  test(`${what} is refused with CONNACK ${code3} (MQTT 5: 0x${code5.toString(16)})`, async (t) => {
    const { platform, device } = await withPlatform(t);
    assert.equal(await refusal(platform, device, 4, overrides(device)), code3);
    assert.equal(await refusal(platform, device, 5, overrides(device)), code5);
    const refused = platform.deviceLog.entries.filter((e) => e.event === "login-refused");
    assert.equal(refused.length, 2);
    assert.deepEqual(refused.map((e) => e.returnCode), [code3, code3]);
    assert.equal(refused[1]!.reasonCode, code5);
    for (const entry of refused) {
      assert.equal(entry.status, "refused");
      assert.ok(entry.reason && entry.reason.length > 0);
      assert.equal(entry.clientIp, "127.0.0.1");
      assert.ok(entry.clientPort > 0);
    }
    assert.ok(!JSON.stringify(platform.deviceLog.entries).includes(device.deviceSecret));
    assert.equal(platform.online().length, 0);
  });
}

test("a disabled device is refused with CONNACK 5 (MQTT 5: 0x87)", async (t) => {
  const { platform, device, registry } = await withPlatform(t);
  registry.setEnabled(device, false);
  assert.equal(await refusal(platform, device, 4, {}), 5);
  assert.equal(await refusal(platform, device, 5, {}), 0x87);
  registry.setEnabled(device, true);
  const client = await connect(platform, device, 4);
  await client.endAsync();
});

test("keep-alive outside 30..1200 s is refused: CONNACK 2, MQTT 5 reason 0x83", async (t) => {
  const { platform, device } = await withPlatform(t);
  for (const keepalive of [0, 29, 1201]) {
    assert.equal(await refusal(platform, device, 4, { keepalive }), 2, `keepalive ${keepalive}`);
    assert.equal(await refusal(platform, device, 5, { keepalive }), 0x83, `keepalive ${keepalive}`);
  }
  const entry = platform.deviceLog.entries.find((e) => e.event === "login-refused" && e.keepalive === 29);
  assert.match(entry!.reason!, /keepalive 29 s is outside 30\.\.1200 s/);
  for (const keepalive of [30, 1200]) {
    const client = await connect(platform, device, 4, { keepalive });
    await client.endAsync();
  }
});

test("the keep-alive range is configurable", async (t) => {
  const { platform, device } = await withPlatform(t, { keepalive: { min: 5, max: 10 } });
  assert.equal(await refusal(platform, device, 4, { keepalive: 30 }), 2);
  const client = await connect(platform, device, 4, { keepalive: 5 });
  await client.endAsync();
});

test("a device created after the platform started can log in (the registry file is re-read)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "iwl-platform-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "registry.json");
  const platform = await startPlatform({ registry: DeviceRegistry.load(path) });
  t.after(() => platform.stop());
  const device = DeviceRegistry.load(path).create({ deviceName: "late-device" });
  const client = await connect(platform, device, 4);
  await client.endAsync();
});

test("a second login of the same device kicks the first (MQTT 5: DISCONNECT 0x8E)", async (t) => {
  const { platform, device } = await withPlatform(t);
  const first = await connect(platform, device, 5);
  const disconnected = new Promise<number | undefined>((resolve) => first.once("disconnect", (p) => resolve(p.reasonCode)));
  const closed = new Promise<void>((resolve) => first.once("close", () => resolve()));
  // Signed once: the clientId and the password carry the same timestamp.
  const secondLogin = signMqttCredentials(device, { clientId: "second" });
  const second = await connect(platform, device, 4, { clientId: secondLogin.clientId, password: secondLogin.password });
  assert.equal(await disconnected, 0x8e);
  await closed;
  const offline = await waitForLog(platform, (e) => e.event === "offline");
  assert.equal(offline.reason, "kicked by new login");
  assert.equal(offline.protocolVersion, 5);
  assert.deepEqual(platform.online().map((d) => d.clientId), ["second"]);
  first.end(true);
  await second.endAsync();
});

/** A raw MQTT 3.1.1 connection: CONNECT with the given keep-alive, then whatever the test does. */
async function rawConnect(platform: Platform, device: Device, keepalive: number): Promise<Socket> {
  const c = signMqttCredentials(device);
  const socket = createConnection({ host: platform.host, port: platform.port });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  socket.on("error", () => undefined);
  socket.write(mqttPacket.generate({ cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clean: true, keepalive, clientId: c.clientId, username: c.username, password: Buffer.from(c.password) }));
  await new Promise<void>((resolve) => socket.once("data", () => resolve())); // the CONNACK
  return socket;
}

test("offline reasons: keepalive timeout, connection reset, closed without DISCONNECT", async (t) => {
  const { platform, device } = await withPlatform(t, { keepalive: { min: 1, max: 1200 } });

  // No PINGREQ within 1.5 × keep-alive [MQTT-3.1.2-24]: the platform closes the connection.
  const silent = await rawConnect(platform, device, 1);
  const timedOut = await waitForLog(platform, (e) => e.event === "offline", 4000);
  assert.equal(timedOut.reason, "keepalive timeout");
  silent.destroy();

  const reset = await rawConnect(platform, device, 60);
  const resetPort = reset.localPort;
  await waitForLog(platform, (e) => e.event === "online" && e.clientPort === resetPort);
  reset.resetAndDestroy(); // TCP RST
  const resetEntry = await waitForLog(platform, (e) => e.event === "offline" && e.clientPort === resetPort);
  assert.equal(resetEntry.reason, "connection reset");

  const client = await connect(platform, device, 4);
  const port = (client.stream as Socket).localPort;
  client.end(true); // closes the socket without sending DISCONNECT
  const lost = await waitForLog(platform, (e) => e.event === "offline" && e.clientPort === port);
  assert.equal(lost.reason, "connection closed without DISCONNECT");
});

test("stop() closes every client and frees the port", async () => {
  const registry = DeviceRegistry.inMemory();
  const device = registry.create({ deviceName: "device1" });
  const platform = await startPlatform({ registry });
  const client = await connect(platform, device, 4);
  const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
  await platform.stop();
  await closed;
  const offline = platform.deviceLog.entries.find((e) => e.event === "offline");
  assert.equal(offline?.reason, "platform stopped");
  // The same port is free again at once.
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(platform.port, platform.host, () => resolve());
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  client.end(true);
  await platform.stop(); // a second stop is harmless
});

test("a busy port is a clear error", async (t) => {
  const { platform, registry } = await withPlatform(t);
  await assert.rejects(startPlatform({ registry, port: platform.port }), /cannot listen on 127\.0\.0\.1:\d+: address already in use/);
});

/** The raw bytes the platform answers to one CONNECT (MQTT 3.1.1 or 5). */
async function rawAnswer(platform: Platform, connect: mqttPacket.IConnectPacket): Promise<Buffer> {
  const socket = createConnection({ host: platform.host, port: platform.port });
  socket.on("error", () => undefined);
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  socket.write(mqttPacket.generate(connect, { protocolVersion: connect.protocolVersion }));
  await new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return Buffer.concat(chunks);
}

test("an unknown device and a wrong password get the same bytes on the wire; the device log tells them apart", async (t) => {
  const { platform, device, registry } = await withPlatform(t);
  const disabled = registry.create({ deviceName: "disabled1", productKey: device.productKey });
  registry.setEnabled(disabled, false);
  for (const protocolVersion of [4, 5] as const) {
    const base = (d: Device, password?: string): mqttPacket.IConnectPacket => {
      const c = signMqttCredentials(d);
      return { cmd: "connect", protocolId: "MQTT", protocolVersion, clean: true, keepalive: 60, clientId: c.clientId, username: c.username, password: Buffer.from(password ?? c.password) };
    };
    const ghost = { ...device, deviceName: "ghost1" };
    const wrongPassword = await rawAnswer(platform, base(device, "0".repeat(40)));
    const unknownDevice = await rawAnswer(platform, base(ghost));
    const disabledWrongPassword = await rawAnswer(platform, base(disabled, "0".repeat(40)));
    assert.equal(wrongPassword.toString("hex"), unknownDevice.toString("hex"), `MQTT ${protocolVersion}`);
    assert.equal(wrongPassword.toString("hex"), disabledWrongPassword.toString("hex"), `MQTT ${protocolVersion}`);
    // A disabled device that signs correctly is told so (CONNACK 5 / 0x87).
    const disabledSigned = await rawAnswer(platform, base(disabled));
    assert.notEqual(disabledSigned.toString("hex"), wrongPassword.toString("hex"));
  }
  const reasons = platform.deviceLog.entries.filter((e) => e.event === "login-refused").map((e) => e.reason ?? "");
  assert.ok(reasons.some((r) => /device\.exists: no device ghost1/.test(r)));
  assert.ok(reasons.some((r) => /password\.signature/.test(r)));
});
