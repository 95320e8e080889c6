// Live capture with the real tools on the loopback (CI runs as root): the
// seed scenario recorded by tcpdump and by dumpcap, no capture process left
// behind whatever happens, and errors that say what to do.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { phaseKinds, type PhaseKind } from "../../lib/analysis/types";
import { capabilities } from "../../lib/live/capabilities";
import { LiveCaptureError } from "../../lib/live/errors";
import { parseCaptureCounts, startCapture, withCapture } from "../../lib/live/capture";
import { rootlessCommand, rootlessSupport } from "../../lib/live/rootless";
import { runningCaptures } from "../../lib/live/supervisor";
import { findExecutable, type CaptureTool } from "../../lib/live/tools";
import { DeviceRegistry } from "../../lib/device/registry";
import { startPlatform } from "../../lib/platform/platform";
import { runSimulation } from "../../lib/simulator/simulation";
import { needCaptureRights, needTool, which } from "../helpers/tools";

const SEED_PHASES: PhaseKind[] = ["tcp-handshake", "connect", "subscribe", "publish", "disconnect", "tcp-teardown"];
const main = join(__dirname, "..", "..", "lib", "cli", "main.js");

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "iwl-live-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs = 3000): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return !alive(pid);
}

for (const tool of ["tcpdump", "dumpcap"] as CaptureTool[]) {
  test(`${tool} records the seed scenario; the analysis finds every phase in order`, async (t) => {
    if (!needTool(t, tool) || !needCaptureRights(t)) return;
    const dir = tempDir(t);
    const registry = DeviceRegistry.inMemory();
    const platform = await startPlatform({ registry });
    t.after(() => platform.stop());
    const { value: summary, capture } = await withCapture({ port: platform.port, tool, file: join(dir, `seed.${tool === "dumpcap" ? "pcapng" : "pcap"}`) }, async (running) => {
      assert.equal(running.running, true);
      assert.equal(running.filter, `tcp port ${platform.port}`);
      return runSimulation({ platform, registry, speed: 20, seed: 1 });
    });
    assert.equal(summary.devices[0]!.ok, true);
    assert.equal(capture.tool, tool);
    assert.equal(capture.format, tool === "dumpcap" ? "pcapng" : "pcap");
    assert.ok(statSync(capture.file).size > 0);
    const analysis = await analyzeCapture(capture.file, { mqttPorts: [platform.port] });
    assert.equal(analysis.capture.format, capture.format);
    // The tool's own count is what the file holds.
    assert.equal(capture.packets, analysis.capture.frames);
    assert.equal(capture.droppedByKernel, 0);
    assert.deepEqual(
      analysis.phases.map((p) => p.kind),
      SEED_PHASES,
    );
    assert.ok(analysis.phases.every((p) => p.status === "complete"), analysis.phases.map((p) => `${p.kind}:${p.status}`).join(" "));
    assert.ok(SEED_PHASES.every((k) => phaseKinds.includes(k)));
    assert.equal(runningCaptures(), 0);
  });
}

test("stop() leaves no capture process behind when the body throws, and stop() twice is harmless", async (t) => {
  if (!needTool(t, "tcpdump") || !needCaptureRights(t)) return;
  let pid = 0;
  let captureRef: Awaited<ReturnType<typeof startCapture>> | undefined;
  await assert.rejects(
    withCapture({ port: 1, tool: "tcpdump", file: join(tempDir(t), "x.pcap") }, (capture) => {
      pid = capture.pid;
      captureRef = capture;
      assert.ok(alive(pid));
      throw new Error("the body failed");
    }),
    /the body failed/,
  );
  assert.ok(pid > 0);
  assert.equal(alive(pid), false, "tcpdump still running after withCapture threw");
  assert.equal(captureRef!.running, false);
  const again = await captureRef!.stop();
  assert.equal(again.packets, 0);
  assert.equal(runningCaptures(), 0);
});

test("a capture outlives neither a process that exits without stopping it nor one killed with SIGKILL", async (t) => {
  if (!needTool(t, "dumpcap") || !needCaptureRights(t)) return;
  const dir = tempDir(t);
  const live = join(__dirname, "..", "..", "lib", "live", "capture.js");
  for (const ending of ["process.exit(0)", "process.kill(process.pid, 'SIGKILL')"]) {
    const script = `const { startCapture } = require(${JSON.stringify(live)});
      startCapture({ port: 1, tool: "dumpcap", file: ${JSON.stringify(join(dir, "forgotten.pcapng"))} }).then((c) => {
        process.stdout.write(c.pid + "\\n", () => setTimeout(() => ${ending}, 50));
      });`;
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise((r) => child.once("exit", r));
    const pid = Number(out.trim());
    assert.ok(pid > 0, `no pid from the child: ${out}`);
    assert.ok(await gone(pid), `dumpcap ${pid} survived ${ending}`);
  }
});

test("no capture tool: the error says how to install one", async (t) => {
  const path = process.env.PATH;
  process.env.PATH = "/nonexistent";
  t.after(() => {
    process.env.PATH = path;
  });
  if (findExecutable("dumpcap") || findExecutable("tcpdump")) return t.skip("a capture tool lives in an sbin folder that is always searched");
  const error = await startCapture({ port: 1883 }).then(
    () => assert.fail("started without a tool"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof LiveCaptureError);
  assert.equal(error.code, "no-tool");
  assert.match(error.message, /neither dumpcap nor tcpdump is installed/);
  assert.match(error.message, /sudo apt-get install tshark/);
  assert.match(error.message, /sudo apt-get install tcpdump/);
  await assert.rejects(startCapture({ port: 1883, tool: "tcpdump" }), /tcpdump is not installed/);
  assert.match(capabilities().live.reason, /neither dumpcap nor tcpdump/);
});

test("a supervisor shell that cannot be spawned: a LiveCaptureError at once, never a hang", async (t) => {
  if (!which("dumpcap") && !which("tcpdump")) {
    needTool(t, "tcpdump");
    return;
  }
  const dir = tempDir(t);
  const started = Date.now();
  const error = await startCapture({ port: 1883, file: join(dir, "never.pcapng"), shell: join(dir, "no-such-shell"), startTimeoutMs: 60000 }).then(
    () => assert.fail("started without a shell"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof LiveCaptureError, String(error));
  assert.equal(error.code, "failed");
  assert.match(error.message, /cannot start .*no-such-shell \(the shell that supervises (dumpcap|tcpdump)\): spawn .*ENOENT/);
  assert.ok(Date.now() - started < 5000, "answered without waiting for the start timeout");
  assert.equal(runningCaptures(), 0, "nothing is left registered as running");
});

test("bad options are refused before anything runs", async () => {
  for (const [options, pattern] of [
    [{ port: 0 }, /port must be 1 to 65535/],
    [{ port: 70000 }, /port must be 1 to 65535/],
    [{ port: 1883, host: "1.2.3.4 or tcp" }, /host must be an address/],
    [{ port: 1883, tool: "wireshark" }, /tool must be auto, dumpcap or tcpdump/],
    [{ port: 1883, snapLength: 0 }, /snapLength/],
  ] as const) {
    await assert.rejects(startCapture(options as never), (e: unknown) => e instanceof LiveCaptureError && e.code === "bad-option" && pattern.test(e.message));
  }
});

test("the tools' last words give the packet and drop counts", () => {
  assert.deepEqual(parseCaptureCounts("tcpdump", "tcpdump: listening on lo\n17 packets captured\n34 packets received by filter\n2 packets dropped by kernel\n"), { packets: 17, droppedByKernel: 2 });
  assert.deepEqual(
    parseCaptureCounts("dumpcap", "Capturing on 'Loopback: lo'\nFile: x.pcapng\n\rPackets: 8 \rPackets captured: 8\nPackets received/dropped on interface 'Loopback: lo': 8/1 (pcap:1/dumpcap:0/flushed:0/ps_ifdrop:0) (88.9%)\n"),
    { packets: 8, droppedByKernel: 1 },
  );
  assert.deepEqual(parseCaptureCounts("dumpcap", "killed"), { packets: undefined, droppedByKernel: undefined });
});

/** Runs a command without CAP_NET_RAW/CAP_NET_ADMIN, even as root (they leave the bounding set, so exec cannot regain them). */
function withoutCaptureRights(t: { skip(message: string): void }): string[] | undefined {
  const setpriv = which("setpriv");
  if (!setpriv) {
    t.skip("setpriv is not installed (util-linux)");
    return undefined;
  }
  const probe = spawnSync(setpriv, ["--bounding-set", "-net_raw,-net_admin", "--inh-caps", "-net_raw,-net_admin", "true"]);
  if (probe.status !== 0) {
    t.skip(`setpriv cannot drop capabilities here: ${probe.stderr?.toString().trim()}`);
    return undefined;
  }
  return [setpriv, "--bounding-set", "-net_raw,-net_admin", "--inh-caps", "-net_raw,-net_admin"];
}

test("no permission: the CLI says exactly what to do (setcap, wireshark group, rootless)", async (t) => {
  if (!needTool(t, "dumpcap")) return;
  const prefix = withoutCaptureRights(t);
  if (!prefix) return;
  for (const tool of ["dumpcap", "tcpdump"]) {
    if (!which(tool)) continue;
    const denied: SpawnSyncReturns<string> = spawnSync(
      prefix[0]!,
      [...prefix.slice(1), process.execPath, main, "capture", "--port", "1883", "--duration", "1", "--tool", tool, "-w", join(tempDir(t), "x.pcap")],
      { encoding: "utf8", env: { ...process.env, IOT_WIRE_LAB_ROOTLESS: "0" } },
    );
    assert.equal(denied.status, 1, denied.stderr);
    assert.match(denied.stderr, new RegExp(`${tool} may not capture on lo \\(.*permission`, "i"));
    assert.match(denied.stderr, /sudo setcap cap_net_raw,cap_net_admin\+eip \$\(command -v dumpcap\)/);
    assert.match(denied.stderr, /sudo usermod -aG wireshark \$USER, then log out and log in again/);
    assert.match(denied.stderr, /rootless mode \(--rootless\).*turned off by IOT_WIRE_LAB_ROOTLESS=0/);
  }
});

test("rootless mode: unshare -rn captures the namespace's own loopback without capture rights", async (t) => {
  if (!needTool(t, "dumpcap") || !needTool(t, "unshare")) return;
  const support = rootlessSupport();
  if (!support.possible) return t.skip(`rootless mode is not possible on this machine: ${support.reason}`);
  const prefix = withoutCaptureRights(t);
  if (!prefix) return;
  const dir = tempDir(t);
  const file = join(dir, "rootless.pcapng");
  // Traffic made inside the namespace: a TCP echo on port 1883 and one client.
  const traffic = `const net = require("net");
    const server = net.createServer((c) => { c.on("data", (d) => c.write(d)); c.on("end", () => c.end()); }).listen(1883, "127.0.0.1", () => {
      const client = net.connect(1883, "127.0.0.1", () => client.end("hello"));
      client.on("data", () => undefined);
      client.on("close", () => server.close());
    });`;
  const run = spawnSync(prefix[0]!, [...prefix.slice(1), process.execPath, main, "capture", "--rootless", "--port", "1883", "-w", file, "--json", "--", process.execPath, "-e", traffic], { encoding: "utf8", timeout: 20000 });
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout.trim().split("\n").pop()!) as { tool: string; packets: number; file: string };
  assert.equal(result.tool, "dumpcap");
  assert.ok(result.packets >= 8, `only ${result.packets} packets`);
  const analysis = await analyzeCapture(file);
  assert.equal(analysis.connections.length, 1);
  assert.equal(analysis.connections[0]!.serverPort, 1883);
  assert.equal(analysis.connections[0]!.handshake, "complete");

  // The re-execution is `unshare -rn sh -c '<lo up> && exec "$@"'`.
  const { args } = rootlessCommand("node", ["x"]);
  assert.equal(args[0], "-rn");
  assert.match(args[3]!, /lo up && exec "\$@"$/);
  assert.deepEqual(args.slice(-2), ["node", "x"]);
  // Without a command to run inside, --rootless would record an empty namespace: refused.
  const lonely = spawnSync(process.execPath, [main, "capture", "--rootless", "--port", "1883"], { encoding: "utf8" });
  assert.equal(lonely.status, 2);
  assert.match(lonely.stderr, /add -- COMMAND/);
});
