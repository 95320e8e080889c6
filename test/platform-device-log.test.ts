// The device log keeps each message's content, shortened, as the console's
// Device Log page shows it: upstream and downstream entries carry a
// payloadPreview, and `platform log` prints it.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as mqtt from "mqtt";
import { DeviceRegistry, deviceTopics, signMqttCredentials } from "../lib/device";
import { formatDeviceLogLine, formatDeviceLogTable, payloadPreview, PAYLOAD_PREVIEW_CHARS, startPlatform, type DeviceLogEntry, type Platform } from "../lib/platform";

test("payloadPreview: text as it is, control characters as dots, binary as hex, long content cut with …", () => {
  assert.equal(payloadPreview(Buffer.from('{"temperature":23,"humidity":11}')), '{"temperature":23,"humidity":11}');
  assert.equal(payloadPreview("line 1\nline 2\t!"), "line 1.line 2.!");
  assert.equal(payloadPreview(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])), "0xffd8ffe0");
  assert.equal(payloadPreview(""), "");
  assert.equal(payloadPreview(undefined), "");
  const long = payloadPreview("x".repeat(500));
  assert.equal(long.length, PAYLOAD_PREVIEW_CHARS);
  assert.ok(long.endsWith("…"));
  const jpeg = payloadPreview(new Uint8Array(1000).fill(0xff));
  assert.equal(jpeg.length, PAYLOAD_PREVIEW_CHARS);
  assert.match(jpeg, /^0x(ff)+f?…$/);
  // A subarray is read from its own offset, not from the start of its buffer.
  assert.equal(payloadPreview(Buffer.from("skip:kept").subarray(5)), "kept");
});

function waitForLog(platform: Platform, match: (e: DeviceLogEntry) => boolean): Promise<DeviceLogEntry> {
  const found = platform.deviceLog.entries.find(match);
  if (found) return Promise.resolve(found);
  return new Promise((resolve) => {
    const listener = (entry: DeviceLogEntry) => {
      if (!match(entry)) return;
      platform.deviceLog.off("entry", listener);
      resolve(entry);
    };
    platform.deviceLog.on("entry", listener);
  });
}

test("the platform logs the content of messages each way, and the log's lines and table show it", async (t) => {
  const registry = DeviceRegistry.inMemory();
  const device = registry.create({ deviceName: "device1", productKey: "a1B2c3D4e5F" });
  const platform = await startPlatform({ registry });
  t.after(() => platform.stop());
  const client = await mqtt.connectAsync(platform.url, { ...signMqttCredentials(device), reconnectPeriod: 0 });
  t.after(() => {
    client.end(true);
  });
  const topics = deviceTopics(device);
  await client.publishAsync(topics.userUpdate, '{"temperature":20,"humidity":12}', { qos: 1 });
  const upstream = await waitForLog(platform, (e) => e.event === "upstream");
  assert.equal(upstream.payloadPreview, '{"temperature":20,"humidity":12}');
  assert.equal(upstream.payloadSize, 32);

  await client.subscribeAsync(topics.userGet, { qos: 1 });
  await platform.publishToDevice(device, topics.userGet, { switch: 1 }, { qos: 1 });
  const downstream = await waitForLog(platform, (e) => e.event === "downstream" && e.status === "ok");
  assert.equal(downstream.payloadPreview, '{"switch":1}');
  await client.endAsync();
  // A message that could not be delivered keeps its content too.
  await platform.publishToDevice(device, topics.userGet, "are you there?");
  const failed = await waitForLog(platform, (e) => e.event === "downstream" && e.status === "failed");
  assert.equal(failed.payloadPreview, "are you there?");

  assert.match(formatDeviceLogLine(upstream), /32 B +\{"temperature":20,"humidity":12\} +ok/);
  const table = formatDeviceLogTable(platform.deviceLog.entries).split("\n");
  assert.match(table[0]!, / bytes +payload +status /);
  assert.ok(table.some((l) => /upstream .* 32 +\{"temperature":20,"humidity":12\} +ok/.test(l)), table.join("\n"));
});
