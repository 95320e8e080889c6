// The notebooks' session settings (mode, speed, seeds, folders) and the
// hand-over of a capture from notebook 3 to notebook 4.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeviceRegistry } from "../../lib/device/registry";
import { BUNDLED_RUN_SPEED, describeLab, FIXED_CLOCK_MS, formatSeconds, notebookLab, runningPlatform, seededRandomBytes } from "../../lib/notebook/lab";
import { startPlatform } from "../../lib/platform/platform";
import { bundledRecipe, loadLastCapture, saveLastCapture } from "../../lib/notebook/last-capture";
import { projectRoot } from "../helpers/fixtures";

const notebooks = join(projectRoot, "notebooks");

function tempHome(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "iwl-lab-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("live by default; bundled mode fixes clock and randomness", () => {
  const live = notebookLab({ env: {}, cwd: notebooks });
  assert.equal(live.mode, "live");
  assert.equal(live.live, true);
  assert.equal(live.speed, 1);
  assert.equal(live.home, join(notebooks, ".lab"));
  assert.notEqual(Buffer.from(live.random(16)).toString("hex"), Buffer.from(live.random(16)).toString("hex"));

  const bundled = notebookLab({ env: { IOT_WIRE_LAB_NOTEBOOKS: "bundled", IOT_WIRE_LAB_SPEED: "4" }, cwd: notebooks });
  assert.equal(bundled.live, false);
  assert.equal(bundled.speed, 4);
  assert.equal(bundled.clock(), FIXED_CLOCK_MS);
  const again = notebookLab({ env: { IOT_WIRE_LAB_NOTEBOOKS: "bundled" }, cwd: notebooks });
  // Seeded: the same device every time.
  const a = DeviceRegistry.inMemory().getOrCreate({ deviceName: "my-sensor", random: bundled.random }).device;
  const b = DeviceRegistry.inMemory().getOrCreate({ deviceName: "my-sensor", random: again.random }).device;
  assert.equal(a.deviceSecret, b.deviceSecret);
  assert.equal(a.productKey, b.productKey);
  assert.deepEqual(seededRandomBytes(1)(4), seededRandomBytes(1)(4));
});

test("bad settings are refused with the variable's name", () => {
  assert.throws(() => notebookLab({ env: { IOT_WIRE_LAB_NOTEBOOKS: "sometimes" }, cwd: notebooks }), /IOT_WIRE_LAB_NOTEBOOKS/);
  assert.throws(() => notebookLab({ env: { IOT_WIRE_LAB_SPEED: "fast" }, cwd: notebooks }), /IOT_WIRE_LAB_SPEED/);
  assert.throws(() => notebookLab({ env: { IOT_WIRE_LAB_SPEED: "0" }, cwd: notebooks }), /positive/);
});

test("paths print the same on every machine", (t) => {
  const home = tempHome(t);
  const lab = notebookLab({ env: { IOT_WIRE_LAB_HOME: home }, cwd: notebooks });
  assert.equal(lab.displayPath(lab.registryPath), "$IOT_WIRE_LAB_HOME/registry.json");
  assert.equal(lab.displayPath(lab.bundled.tutorial), "../data/captures/tutorial.pcapng");
  assert.equal(notebookLab({ env: {}, cwd: notebooks }).displayPath(join(notebooks, ".lab", "registry.json")), "./.lab/registry.json");
  assert.match(describeLab(lab), /^Mode: live/);
  assert.match(describeLab(notebookLab({ env: { IOT_WIRE_LAB_NOTEBOOKS: "bundled", IOT_WIRE_LAB_SPEED: "10" }, cwd: notebooks })), /0\.3 s \/ 0\.5 s \/ 0\.8 s/);
  assert.equal(formatSeconds(1.25), "1.25 s");
});

test("notebook 4 finds notebook 3's capture, or falls back to the bundled one and says why", (t) => {
  const home = tempHome(t);
  const lab = notebookLab({ env: { IOT_WIRE_LAB_HOME: home }, cwd: notebooks });
  let loaded = loadLastCapture(lab);
  assert.equal(loaded.source, "bundled");
  assert.match(loaded.explanation, /notebook 03 has not saved a capture yet/);

  const file = join(home, "capture.pcapng");
  writeFileSync(file, "");
  saveLastCapture(lab, { source: "live", capture: file, mqttPorts: [41234], registry: lab.registryPath, recordedAt: "2024-01-15T08:00:00.000Z" });
  loaded = loadLastCapture(lab);
  assert.equal(loaded.source, "live");
  assert.deepEqual(loaded.mqttPorts, [41234]);
  assert.match(loaded.explanation, /\$IOT_WIRE_LAB_HOME\/capture\.pcapng/);

  // Bundled mode ignores it; a vanished file falls back.
  assert.equal(loadLastCapture(notebookLab({ env: { IOT_WIRE_LAB_HOME: home, IOT_WIRE_LAB_NOTEBOOKS: "bundled" }, cwd: notebooks })).source, "bundled");
  rmSync(file);
  assert.match(loadLastCapture(lab).explanation, /is gone/);
  writeFileSync(lab.lastCaptureFile, "{not json");
  assert.match(loadLastCapture(lab).explanation, /cannot be read/);
});

test("bundledRecipe: how a bundled capture was recorded, from fixtures.json", () => {
  const lab = notebookLab({ env: {}, cwd: notebooks });
  const recipe = bundledRecipe(lab, "tutorial.pcapng");
  assert.match(recipe[0] ?? "", /^dumpcap -i lo -f 'tcp port 1883' -w tutorial\.pcapng$/);
  assert.ok(recipe.some((line) => /runSimulation/.test(line)));
  assert.deepEqual(bundledRecipe(lab, "no-such.pcap"), []);
});

test("the executed notebooks show the home a reader gets, not $IOT_WIRE_LAB_HOME", (t) => {
  const home = tempHome(t);
  const lab = notebookLab({ env: { IOT_WIRE_LAB_HOME: home, IOT_WIRE_LAB_HOME_SHOWN_AS: "./.lab" }, cwd: notebooks });
  assert.equal(lab.displayPath(lab.registryPath), "./.lab/registry.json");
  assert.equal(lab.displayPath(lab.home), "./.lab");
  assert.equal(lab.displayPath(join(lab.capturesDir, "shareable.pcapng")), "./.lab/captures/shareable.pcapng");
  assert.match(describeLab(lab), /Lab folder: \.\/\.lab \(/);
});

test("bundled mode uses public captures only when IOT_WIRE_LAB_PUBLIC_CAPTURES names them; live mode also finds them beside the project", (t) => {
  // A project whose ../shared/captures/public exists: a temporary copy of the layout.
  const root = tempHome(t);
  const project = join(root, "project");
  const shared = join(root, "shared", "captures", "public");
  mkdirSync(join(project, "data", "captures"), { recursive: true });
  mkdirSync(join(project, "notebooks"));
  mkdirSync(shared, { recursive: true });
  writeFileSync(join(project, "data", "captures", "tutorial.pcapng"), "");
  writeFileSync(join(project, "package.json"), '{"name":"iot-wire-lab"}');
  const cwd = join(project, "notebooks");
  const live = notebookLab({ env: {}, cwd });
  assert.equal(live.publicCaptures, shared);
  assert.equal(notebookLab({ env: { IOT_WIRE_LAB_NOTEBOOKS: "bundled" }, cwd }).publicCaptures, undefined);
  assert.equal(notebookLab({ env: { IOT_WIRE_LAB_NOTEBOOKS: "bundled", IOT_WIRE_LAB_PUBLIC_CAPTURES: shared }, cwd }).publicCaptures, shared);
  assert.equal(notebookLab({ env: { IOT_WIRE_LAB_NOTEBOOKS: "bundled", IOT_WIRE_LAB_PUBLIC_CAPTURES: "" }, cwd }).publicCaptures, undefined);
});

test("bundled mode runs its short live runs fast; live mode at the session's speed", () => {
  assert.equal(notebookLab({ env: { IOT_WIRE_LAB_NOTEBOOKS: "bundled", IOT_WIRE_LAB_SPEED: "1" }, cwd: notebooks }).runSpeed, BUNDLED_RUN_SPEED);
  assert.equal(notebookLab({ env: { IOT_WIRE_LAB_SPEED: "2" }, cwd: notebooks }).runSpeed, 2);
});

test("a stopped platform: the error names the cell to run again", async () => {
  const platform = await startPlatform({ registry: DeviceRegistry.inMemory(), port: 0 });
  assert.equal(runningPlatform(platform, "The embedded platform"), platform);
  await platform.stop();
  assert.equal(platform.stopped, true);
  assert.throws(() => runningPlatform(platform, "The embedded platform"), /Run the cell under "The embedded platform" again/);
});
