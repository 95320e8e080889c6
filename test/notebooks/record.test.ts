// recordSimulation: platform + live capture + device program in one call
// (CI runs as root), and the run still happens when no capture is possible.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { capabilities } from "../../lib/live/index";
import { DeviceRegistry } from "../../lib/device/registry";
import { recordSimulation } from "../../lib/lab/record";
import { inCI, needTool } from "../helpers/tools";

test("recordSimulation captures a two-device fleet end to end", { timeout: 60_000 }, async (t) => {
  if (!needTool(t, "dumpcap")) return;
  const caps = capabilities();
  if (!caps.live.possible || caps.live.via === "rootless-namespace") {
    const message = `no capture rights here (${caps.live.reason})`;
    if (inCI) assert.fail(message);
    t.skip(message);
    return;
  }
  const folder = mkdtempSync(join(tmpdir(), "iwl-record-"));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const registry = DeviceRegistry.inMemory();
  const recorded = await recordSimulation({ registry, folder, simulation: { fleet: 2, fleetPrefix: "rec", concurrency: 2, speed: 10, seed: 7 } });
  assert.equal(recorded.unavailable, undefined);
  assert.ok(recorded.capture?.startsWith(folder), recorded.capture);
  assert.equal(recorded.summary.devices.length, 2);
  assert.equal(recorded.deviceLog.filter((e) => e.event === "online").length, 2);
  const analysis = await analyzeCapture(recorded.capture!, { mqttPorts: recorded.mqttPorts });
  assert.equal(analysis.connections.length, 2);
  assert.deepEqual(
    analysis.phases.filter((p) => p.stream === 0).map((p) => p.kind),
    ["tcp-handshake", "connect", "subscribe", "publish", "disconnect", "tcp-teardown"],
  );
});

test("recordSimulation without a capture tool still runs the devices, and says why there is no capture", { timeout: 60_000 }, async () => {
  const path = process.env.PATH;
  process.env.PATH = "/nonexistent";
  try {
    // The capture tools are also searched in the sbin folders: only a run where none is found can show this.
    const caps = capabilities();
    if (caps.tools.dumpcap || caps.tools.tcpdump) return;
    const recorded = await recordSimulation({ registry: DeviceRegistry.inMemory(), simulation: { device: "solo-device", speed: 10, seed: 1 } });
    assert.equal(recorded.capture, undefined);
    assert.match(recorded.unavailable?.reason ?? "", /neither dumpcap nor tcpdump/);
    assert.equal(recorded.summary.devices[0]?.ok, true);
  } finally {
    process.env.PATH = path;
  }
});
