// The capture tool, its folder, the loopback's name and how the tool starts,
// decided for Linux, macOS and Windows with the platform and the file system
// faked, so every system's choice is tested on any machine.
import { test } from "node:test";
import assert from "node:assert/strict";
import { captureLaunch } from "../../lib/live/supervisor";
import { permissionAdvice, permissionFixes } from "../../lib/live/rootless";
import { findTool, installAdvice, installFixes, loopbackInterface, NPCAP_LOOPBACK, toolOrder, type CaptureHost } from "../../lib/live/tools";

function fakeHost(platform: NodeJS.Platform, files: string[], env: NodeJS.ProcessEnv = {}): CaptureHost {
  const present = new Set(files);
  return { platform, env, isExecutable: (path) => present.has(path) };
}

test("Linux: tools from PATH, else the sbin folders; loopback lo; started under the supervisor shell", () => {
  const host = fakeHost("linux", ["/usr/bin/dumpcap", "/usr/sbin/tcpdump"], { PATH: "/usr/local/bin:/usr/bin:/bin" });
  assert.equal(findTool("dumpcap", host), "/usr/bin/dumpcap");
  assert.equal(findTool("tcpdump", host), "/usr/sbin/tcpdump", "tcpdump is found in /usr/sbin even when PATH lacks it");
  assert.equal(findTool("dumpcap", fakeHost("linux", [], { PATH: "/usr/bin" })), undefined);
  assert.equal(loopbackInterface(host), "lo");
  assert.deepEqual(toolOrder("auto", host), ["dumpcap", "tcpdump"]);
  assert.deepEqual(toolOrder("auto", host, true), ["dumpcap"], "inside the rootless namespace only dumpcap can write its file");
  const launch = captureLaunch(["/usr/bin/dumpcap", "-i", "lo", "-f", "tcp port 1883", "-w", "/tmp/c.pcapng"], host);
  assert.equal(launch.command, "sh");
  assert.equal(launch.supervised, true);
  assert.deepEqual(launch.args.slice(2), ["iot-wire-lab-capture", "/usr/bin/dumpcap", "-i", "lo", "-f", "tcp port 1883", "-w", "/tmp/c.pcapng"]);
  assert.match(installAdvice(host).join("\n"), /sudo apt-get install tshark/);
  assert.equal(permissionAdvice(host), undefined, "Linux's permission fixes (setcap, wireshark group, rootless) come from permissionFixes");
  assert.match(permissionFixes({ possible: true, reason: "" }, "linux").join("\n"), /setcap cap_net_raw,cap_net_admin\+eip/);
});

test("macOS: loopback lo0, dumpcap from Wireshark.app when not on PATH, tcpdump from /usr/sbin, ChmodBPF advice", () => {
  const app = "/Applications/Wireshark.app/Contents/MacOS/dumpcap";
  const host = fakeHost("darwin", [app, "/usr/sbin/tcpdump"], { PATH: "/usr/bin:/bin" });
  assert.equal(loopbackInterface(host), "lo0");
  assert.equal(findTool("dumpcap", host), app);
  assert.equal(findTool("tcpdump", host), "/usr/sbin/tcpdump");
  // A dumpcap on PATH (Wireshark's command-line tools package, or Homebrew) comes first.
  assert.equal(findTool("dumpcap", fakeHost("darwin", [app, "/opt/homebrew/bin/dumpcap"], { PATH: "/opt/homebrew/bin:/usr/bin" })), "/opt/homebrew/bin/dumpcap");
  assert.deepEqual(toolOrder("auto", host), ["dumpcap", "tcpdump"]);
  const launch = captureLaunch([app, "-i", "lo0", "-f", "tcp port 1883", "-w", "/tmp/c.pcapng"], host);
  assert.equal(launch.command, "sh");
  assert.ok(launch.args.includes("lo0"));
  const advice = permissionFixes(undefined, "darwin").join("\n");
  assert.match(advice, /ChmodBPF/);
  assert.match(advice, /access_bpf/);
  assert.doesNotMatch(advice, /apt-get|setcap|unshare/);
  assert.match(installFixes("darwin").join("\n"), /Wireshark\.app\/Contents\/MacOS/);
});

test("Windows: dumpcap.exe under Program Files\\Wireshark, the Npcap loopback adapter, started without sh, Windows advice", () => {
  const dumpcap = "C:\\Program Files\\Wireshark\\dumpcap.exe";
  const host = fakeHost("win32", [dumpcap], { Path: "C:\\Windows\\system32;C:\\Windows", ProgramFiles: "C:\\Program Files" });
  assert.equal(findTool("dumpcap", host), dumpcap);
  assert.equal(findTool("tcpdump", host), undefined);
  // No ProgramFiles variable at all: the default folder is still searched.
  assert.equal(findTool("dumpcap", fakeHost("win32", [dumpcap], { Path: "C:\\Windows" })), dumpcap);
  // Another drive, named by ProgramFiles.
  const other = "D:\\Apps\\Wireshark\\dumpcap.exe";
  assert.equal(findTool("dumpcap", fakeHost("win32", [other], { ProgramFiles: "D:\\Apps" })), other);
  assert.equal(loopbackInterface(host), NPCAP_LOOPBACK);
  assert.equal(NPCAP_LOOPBACK, "\\Device\\NPF_Loopback");
  assert.deepEqual(toolOrder("auto", host), ["dumpcap"], "no tcpdump on Windows");
  const command = [dumpcap, "-i", NPCAP_LOOPBACK, "-f", "tcp port 1883", "-w", "C:\\Temp\\c.pcapng"];
  const launch = captureLaunch(command, host);
  assert.equal(launch.supervised, false);
  assert.equal(launch.command, dumpcap, "the tool itself, never sh");
  assert.deepEqual(launch.args, command.slice(1));
  for (const advice of [installFixes("win32"), permissionFixes(undefined, "win32")]) {
    const text = advice.join("\n");
    assert.doesNotMatch(text, /sudo|apt-get|setcap|chmod/, text);
  }
  assert.match(installFixes("win32").join("\n"), /C:\\Program Files\\Wireshark/);
  assert.match(installFixes("win32").join("\n"), /Support loopback traffic/);
  assert.match(permissionFixes(undefined, "win32").join("\n"), /Administrator/);
});
