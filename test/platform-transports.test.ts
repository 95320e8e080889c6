// The platform's TLS and WebSocket listeners, with real MQTT.js devices: the
// same login, ACLs and size limit as on plain TCP.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:http";
import * as mqtt from "mqtt";
import { DeviceRegistry, signMqttCredentials, type Device } from "../lib/device";
import { waitForLog } from "./helpers/device-log";
import { startPlatform, type Platform } from "../lib/platform";

async function withPlatform(t: { after(fn: () => Promise<void> | void): void }) {
  const folder = mkdtempSync(join(tmpdir(), "iwl-transports-"));
  const registry = DeviceRegistry.inMemory();
  const device = registry.create({ deviceName: "device1", productKey: "a1B2c3D4e5F" });
  const other = registry.create({ deviceName: "device2", productKey: "a1B2c3D4e5F" });
  const platform = await startPlatform({ registry, tls: true, websocket: true, tlsPort: 0, wsPort: 0, wssPort: 0, certificateFolder: folder, maxPacketSize: 1024 });
  t.after(async () => {
    await platform.stop();
    rmSync(folder, { recursive: true, force: true });
  });
  return { platform, device, other };
}

function urlOf(platform: Platform, transport: "tls" | "ws" | "wss"): string {
  const url = transport === "tls" ? platform.tlsUrl : transport === "ws" ? platform.wsUrl : platform.wssUrl;
  assert.ok(url, `the platform has a ${transport} listener`);
  return url;
}

function connect(platform: Platform, transport: "tls" | "ws" | "wss", device: Device, overrides: Partial<mqtt.IClientOptions> = {}) {
  const credentials = signMqttCredentials(device, { tls: transport !== "ws" });
  return mqtt.connectAsync(urlOf(platform, transport), { ...credentials, ca: platform.certificate, reconnectPeriod: 0, connectTimeout: 3000, ...overrides });
}

async function refusal(promise: Promise<mqtt.MqttClient>): Promise<number | string> {
  try {
    const client = await promise;
    await client.endAsync(true);
  } catch (error) {
    return (error as { code: number | string }).code ?? (error as Error).message;
  }
  assert.fail("the login was accepted");
}

test("the platform lists its TLS, ws and wss endpoints and the certificate devices trust", async (t) => {
  const { platform } = await withPlatform(t);
  assert.deepEqual(platform.endpoints.map((e) => e.transport), ["tcp", "tls", "ws", "wss"]);
  assert.match(platform.tlsUrl!, /^mqtts:\/\/127\.0\.0\.1:\d+$/);
  assert.match(platform.wsUrl!, /^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/);
  assert.match(platform.wssUrl!, /^wss:\/\/127\.0\.0\.1:\d+\/mqtt$/);
  assert.match(platform.certificate!, /BEGIN CERTIFICATE/);
  assert.doesNotMatch(platform.certificate!, /PRIVATE KEY/);
});

for (const transport of ["tls", "ws", "wss"] as const) {
  test(`over ${transport}: a signed device logs in, publishes and is refused other devices' topics`, async (t) => {
    const { platform, device, other } = await withPlatform(t);
    const client = await connect(platform, transport, device);
    const online = await waitForLog(platform, (e) => e.event === "online");
    assert.equal(online.deviceName, "device1");
    assert.equal(online.clientIp, "127.0.0.1");
    await client.publishAsync(`/${device.productKey}/${device.deviceName}/user/update`, "{}", { qos: 1 });
    await assert.rejects(client.subscribeAsync(`/${other.productKey}/${other.deviceName}/user/get`), (error: { packet?: { granted?: number[] } }) => {
      assert.deepEqual(error.packet?.granted, [128], "another device's topic is refused in the SUBACK");
      return true;
    });
    client.publish(`/${other.productKey}/${other.deviceName}/user/update`, "{}", { qos: 1 });
    const forbidden = await waitForLog(platform, (e) => e.event === "upstream" && e.status === "forbidden");
    assert.match(forbidden.reason!, /not the device's own/);
    await client.endAsync(true);
  });

  test(`over ${transport}: a wrong password is refused with CONNACK 4 and an oversized packet closes the connection`, async (t) => {
    const { platform, device } = await withPlatform(t);
    assert.equal(await refusal(connect(platform, transport, device, { password: "0".repeat(40) })), 4);
    const refused = await waitForLog(platform, (e) => e.event === "login-refused");
    assert.equal(refused.returnCode, 4);
    const client = await connect(platform, transport, device);
    const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    client.publish(`/${device.productKey}/${device.deviceName}/user/update`, Buffer.alloc(4096), { qos: 0 });
    await closed;
    const offline = await waitForLog(platform, (e) => e.event === "offline");
    assert.ok(offline.reason, "the platform says why the device went offline");
    client.end(true);
  });
}

test("over TLS: a device that does not trust the platform's certificate never reaches MQTT", async (t) => {
  const { platform, device } = await withPlatform(t);
  const code = await refusal(connect(platform, "tls", device, { ca: undefined }));
  assert.match(String(code), /SELF_SIGNED|self.signed|UNABLE_TO_VERIFY|certificate/i);
  assert.equal(platform.deviceLog.entries.length, 0);
});

test("the WebSocket listener answers a plain HTTP request with 426 and agrees on the mqtt subprotocol", async (t) => {
  const { platform, device } = await withPlatform(t);
  const status = await new Promise<number>((resolve, reject) => {
    request(urlOf(platform, "ws").replace(/^ws:/, "http:"), (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on("error", reject)
      .end();
  });
  assert.equal(status, 426);
  const client = await connect(platform, "ws", device);
  const socket = (client.stream as unknown as { socket?: { protocol?: string } }).socket;
  const protocol = socket?.protocol;
  if (protocol !== undefined) assert.equal(protocol, "mqtt");
  await client.endAsync();
});
