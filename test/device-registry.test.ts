import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { DeviceRegistry, RegistryError, defaultRegistryPath, DeviceInputError } from "../lib/device";

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "iwl-registry-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("the default registry lives in $IOT_WIRE_LAB_HOME or ~/.iot-wire-lab", () => {
  assert.equal(defaultRegistryPath({ IOT_WIRE_LAB_HOME: "/srv/lab" }), "/srv/lab/registry.json");
  assert.match(defaultRegistryPath({}), /\.iot-wire-lab\/registry\.json$/);
});

test("create, list, get, remove, and the file survives a reload", (t) => {
  const path = join(tempDir(t), "sub", "registry.json");
  const registry = DeviceRegistry.load(path);
  assert.equal(registry.list().length, 0);
  const a = registry.create({ deviceName: "device1", productKey: "a1B2c3D4e5F" });
  const b = registry.create({ deviceName: "device2", productKey: "a1B2c3D4e5F" });
  assert.equal(a.enabled, true);
  assert.match(a.createdAt, /^\d{4}-\d\d-\d\dT/);

  const reopened = DeviceRegistry.load(path);
  assert.deepEqual(reopened.list().map((d) => d.deviceName), ["device1", "device2"]);
  assert.deepEqual(reopened.get("a1B2c3D4e5F", "device2"), b);
  assert.equal(reopened.remove(a), true);
  assert.equal(reopened.remove(a), false);
  assert.deepEqual(DeviceRegistry.load(path).list().map((d) => d.deviceName), ["device2"]);
});

test("the registry file is written atomically with mode 0600 in a 0700 folder", (t) => {
  const dir = join(tempDir(t), "home");
  const path = join(dir, "registry.json");
  const registry = DeviceRegistry.load(path);
  registry.create({ deviceName: "device1" });
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  registry.create({ deviceName: "device2" });
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir), ["registry.json"]); // no temp files left behind
  const data = JSON.parse(readFileSync(path, "utf8"));
  assert.equal(data.version, 1);
  assert.equal(data.devices.length, 2);
});

test("a duplicate productKey + deviceName is refused with a clear error", (t) => {
  const registry = DeviceRegistry.load(join(tempDir(t), "registry.json"));
  const device = registry.create({ deviceName: "device1", productKey: "a1B2c3D4e5F" });
  assert.throws(() => registry.create({ deviceName: "device1", productKey: "a1B2c3D4e5F" }), (error: unknown) => {
    assert.ok(error instanceof RegistryError);
    assert.match(error.message, /device device1 already exists in product a1B2c3D4e5F/);
    return true;
  });
  // the same name in another product is a different device
  assert.doesNotThrow(() => registry.add({ ...device, productKey: "a1ZZZZZZZZZ" }));
  assert.throws(() => registry.create({ deviceName: "no" }), DeviceInputError);
});

test("getOrCreate reuses a device, and keeps new ones in the registry's product", (t) => {
  const registry = DeviceRegistry.load(join(tempDir(t), "registry.json"));
  const first = registry.getOrCreate({ deviceName: "demo-0001" });
  assert.equal(first.created, true);
  const again = registry.getOrCreate({ deviceName: "demo-0001" });
  assert.equal(again.created, false);
  assert.equal(again.device.deviceSecret, first.device.deviceSecret);
  const second = registry.getOrCreate({ deviceName: "demo-0002" });
  assert.equal(second.device.productKey, first.device.productKey);
  assert.equal(registry.size, 2);
});

test("a second registry object sees the other's changes (refresh)", (t) => {
  const path = join(tempDir(t), "registry.json");
  const platformView = DeviceRegistry.load(path);
  const cliView = DeviceRegistry.load(path);
  cliView.create({ deviceName: "device1", productKey: "a1B2c3D4e5F" });
  assert.equal(platformView.get("a1B2c3D4e5F", "device1"), undefined);
  assert.equal(platformView.refresh(), true);
  assert.ok(platformView.get("a1B2c3D4e5F", "device1"));
  assert.equal(platformView.refresh(), false);
});

test("a damaged registry file is reported, not thrown as a stack", (t) => {
  const dir = tempDir(t);
  const path = join(dir, "registry.json");
  writeFileSync(path, "{not json");
  assert.throws(() => DeviceRegistry.load(path), /is not valid JSON/);
  writeFileSync(path, JSON.stringify({ devices: [{ productKey: "a1B2c3D4e5F", deviceName: "device1", deviceSecret: "short" }] }));
  assert.throws(() => DeviceRegistry.load(path), /devices\[0\]: deviceSecret must be 32 hex characters/);
});

// ---- the CLI ----

const main = join(__dirname, "..", "lib", "cli", "main.js");

function cli(home: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [main, ...args], { encoding: "utf8", env: { ...process.env, IOT_WIRE_LAB_HOME: home } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("CLI: device create --json prints the device, the secret only with --show-secret", (t) => {
  const home = tempDir(t);
  const created = cli(home, "device", "create", "--name", "device1", "--json");
  assert.equal(created.code, 0, created.stderr);
  const device = JSON.parse(created.stdout);
  assert.deepEqual(Object.keys(device), ["productKey", "deviceName"]);
  assert.match(device.productKey, /^a1[A-Za-z0-9]{9}$/);
  assert.equal(device.deviceName, "device1");

  const shown = cli(home, "device", "show", "device1", "--json", "--show-secret");
  assert.equal(shown.code, 0, shown.stderr);
  const full = JSON.parse(shown.stdout);
  assert.deepEqual(Object.keys(full), ["productKey", "deviceName", "deviceSecret"]);
  const secret = full.deviceSecret as string;
  assert.match(secret, /^[0-9a-f]{32}$/);

  // Without --show-secret the secret never appears, only its first 4 characters.
  for (const args of [["device", "show", "device1"], ["device", "list"], ["device", "list", "--json"], ["device", "create", "--name", "device2"]]) {
    const out = cli(home, ...args);
    assert.equal(out.code, 0, out.stderr);
    assert.ok(!out.stdout.includes(secret), `${args.join(" ")} printed the secret`);
  }
  const human = cli(home, "device", "show", "device1");
  assert.match(human.stdout, new RegExp(`deviceSecret  ${secret.slice(0, 4)}\\*\\*\\*\\*`));

  // the second device joined the registry's only product
  const list = JSON.parse(cli(home, "device", "list", "--json").stdout);
  assert.deepEqual(list.map((d: { deviceName: string }) => d.deviceName), ["device1", "device2"]);
  assert.equal(new Set(list.map((d: { productKey: string }) => d.productKey)).size, 1);
  assert.equal(statSync(join(home, "registry.json")).mode & 0o777, 0o600);
});

test("CLI: duplicates, unknown devices and bad options are one-line errors with exit code 2", (t) => {
  const home = tempDir(t);
  assert.equal(cli(home, "device", "create", "--name", "device1").code, 0);
  for (const args of [
    ["device", "create", "--name", "device1"],
    ["device", "show", "ghost"],
    ["device", "remove", "ghost"],
    ["device", "create", "--name", "x"],
    ["device", "list", "--bogus"],
    ["device", "explode"],
  ]) {
    const out = cli(home, ...args);
    assert.equal(out.code, 2, `${args.join(" ")}: ${out.stderr}`);
    assert.equal(out.stderr.trim().split("\n").length, 1, out.stderr);
    assert.doesNotMatch(out.stderr, /\n\s+at /);
  }
  assert.match(cli(home, "device", "create", "--name", "device1").stderr, /already exists/);
});

test("CLI: device remove, then it is gone", (t) => {
  const home = tempDir(t);
  cli(home, "device", "create", "--name", "device1");
  assert.equal(cli(home, "device", "remove", "device1").code, 0);
  assert.deepEqual(JSON.parse(cli(home, "device", "list", "--json").stdout), []);
});

test("CLI: device sign prints the platform's login parameters", (t) => {
  const home = tempDir(t);
  const device = JSON.parse(cli(home, "device", "create", "--name", "device1", "--json", "--show-secret").stdout);
  const out = cli(home, "device", "sign", "device1", "--timestamp", "789", "--client-id", "12345", "--json");
  assert.equal(out.code, 0, out.stderr);
  const signed = JSON.parse(out.stdout);
  assert.equal(signed.clientId, "12345|securemode=3,signmethod=hmacsha1,timestamp=789|");
  assert.equal(signed.username, `device1&${device.productKey}`);
  assert.match(signed.password, /^[0-9a-f]{40}$/);
  assert.ok(!out.stdout.includes(device.deviceSecret));
});

test('"enabled" must be true or false in the registry file', (t) => {
  const path = join(tempDir(t), "registry.json");
  const device = { productKey: "a1B2c3D4e5F", deviceName: "device1", deviceSecret: "0123456789abcdef0123456789abcdef" };
  for (const enabled of ["no", "false", 0, null]) {
    writeFileSync(path, JSON.stringify({ devices: [{ ...device, enabled }] }));
    assert.throws(() => DeviceRegistry.load(path), (error: unknown) => {
      assert.ok(error instanceof RegistryError);
      assert.ok(error.message.includes(`devices[0]: enabled must be true or false, got ${JSON.stringify(enabled)}`), error.message);
      return true;
    });
  }
  writeFileSync(path, JSON.stringify({ devices: [{ ...device, enabled: false }, { ...device, deviceName: "device2" }] }));
  assert.deepEqual(DeviceRegistry.load(path).list().map((d) => d.enabled), [false, true]); // absent: enabled
});

/** Runs the CLI without waiting, so that several run at once. */
function cliAsync(home: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main, ...args], { env: { ...process.env, IOT_WIRE_LAB_HOME: home } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

test("CLI: device create in parallel processes keeps every device it reports", async (t) => {
  const home = tempDir(t);
  assert.equal(cli(home, "device", "create", "--name", "device0").code, 0);
  const reported: string[] = [];
  for (let round = 0; round < 2; round++) {
    const names = Array.from({ length: 5 }, (_, i) => `dev-${round}-${i}`);
    const runs = await Promise.all(names.map((name) => cliAsync(home, "device", "create", "--name", name, "--json")));
    for (const run of runs) {
      assert.equal(run.code, 0, run.stderr);
      reported.push(JSON.parse(run.stdout).deviceName);
    }
  }
  const saved = DeviceRegistry.load(join(home, "registry.json")).list();
  assert.deepEqual(saved.map((d) => d.deviceName).sort(), ["device0", ...reported].sort());
  assert.equal(new Set(saved.map((d) => d.productKey)).size, 1);
  assert.deepEqual(readdirSync(home).sort(), ["registry.json"]); // no lock or temp file left behind
});

test("a stale lock left by a dead process is broken", (t) => {
  const home = tempDir(t);
  const path = join(home, "registry.json");
  // A pid that is not running: a finished child's.
  const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout;
  writeFileSync(`${path}.lock`, `${dead} ${hostname()} 2026-01-01T00:00:00.000Z`);
  DeviceRegistry.load(path).create({ deviceName: "device1" });
  assert.deepEqual(readdirSync(home).sort(), ["registry.json"]);
});

test("CLI: a registry in a read-only folder is one line on stderr and exit code 2", (t) => {
  const home = tempDir(t);
  chmodSync(home, 0o555);
  // root ignores permissions: run the CLI as nobody then
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const result = spawnSync(process.execPath, [main, "device", "create", "--name", "device1"], { encoding: "utf8", env: { ...process.env, IOT_WIRE_LAB_HOME: home }, ...asUser });
  assert.equal(result.status, 2, result.stderr);
  assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  assert.match(result.stderr, /cannot write registry .*registry\.json: permission denied \(EACCES\)/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
  chmodSync(home, 0o700);
});
