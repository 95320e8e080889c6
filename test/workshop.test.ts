// A room of laptops: `iot-wire-lab doctor` line by line with the machine
// faked (every part present; every part missing on Debian, macOS and
// Windows), the real command on this machine, and the Jupyter install help
// that works where pip refuses the system Python.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { formatChecks, runChecks, versionAtLeast, type DoctorCheck, type DoctorProbe } from "../lib/workshop/doctor";
import { jupyterInstallCommands } from "../lib/workshop/jupyter";

const main = join(__dirname, "..", "lib", "cli", "main.js");
const CHECKS = ["node", "capture tool", "capture rights", "jupyter", "tslab kernel", "browser", "tshark", "mosquitto"];

function allPresent(platform: NodeJS.Platform = "linux"): DoctorProbe {
  return {
    platform,
    nodeVersion: "20.19.2",
    findTool: (name) => `/usr/bin/${name}`,
    capture: () => ({ tool: "/usr/bin/dumpcap", possible: true, via: "tool-privileges", reason: "dumpcap is privileged (cap_net_admin,cap_net_raw=eip)", fixes: [] }),
    jupyter: () => ({ kind: "lab", command: ["/home/me/.local/bin/jupyter-lab"] }),
    tslab: () => "/home/me/iot-wire-lab/node_modules/tslab/bin/tslab",
    browser: () => "/usr/bin/xdg-open",
  };
}

function nothing(platform: NodeJS.Platform): DoctorProbe {
  return {
    platform,
    nodeVersion: "18.19.0",
    findTool: () => undefined,
    capture: () => ({ possible: false, reason: "neither dumpcap nor tcpdump is installed", fixes: [] }),
    jupyter: () => undefined,
    tslab: () => undefined,
    browser: () => undefined,
  };
}

function byName(checks: DoctorCheck[]): Record<string, DoctorCheck> {
  return Object.fromEntries(checks.map((c) => [c.name, c]));
}

test("doctor: every part present, every line OK, no fix, ready", () => {
  const checks = runChecks(allPresent());
  assert.deepEqual(
    checks.map((c) => c.name),
    CHECKS,
  );
  assert.ok(checks.every((c) => c.status === "OK" && c.fix.length === 0), JSON.stringify(checks));
  const lines = formatChecks(checks);
  assert.equal(lines.at(-1), "Ready for the workshop.");
  assert.match(lines.join("\n"), /^OK +jupyter +JupyterLab: \/home\/me\/\.local\/bin\/jupyter-lab$/m);
});

test("doctor on Debian with nothing installed: each line MISSING with the exact Debian fix", () => {
  const c = byName(runChecks(nothing("linux")));
  assert.ok(CHECKS.every((name) => c[name]!.status === "MISSING"));
  assert.match(c.node!.detail, /Node\.js 18\.19\.0: 20\.19 or newer is needed/);
  assert.match(c.node!.fix.join("\n"), /nodejs\.org/);
  assert.match(c["capture tool"]!.fix.join("\n"), /sudo apt-get install tshark/);
  assert.match(c["capture rights"]!.detail, /npm start uses the bundled capture instead/);
  assert.deepEqual(c["capture rights"]!.fix, ["install a capture tool first (the line above)"]);
  const jupyter = c.jupyter!.fix.join("\n");
  assert.match(jupyter, /pipx install jupyterlab/);
  assert.match(jupyter, /python3 -m venv ~\/\.venvs\/jupyter/);
  assert.match(jupyter, /sudo apt-get install jupyter-notebook/);
  assert.match(jupyter, /externally-managed-environment/);
  assert.doesNotMatch(jupyter, /^\s*pip install/m, "no bare pip install on Debian");
  assert.deepEqual(c["tslab kernel"]!.fix, ["npm ci (in the project folder)"]);
  assert.match(c.browser!.fix.join("\n"), /sudo apt-get install xdg-utils chromium/);
  assert.deepEqual(c.tshark!.fix, ["sudo apt-get install tshark"]);
  assert.deepEqual(c.mosquitto!.fix, ["sudo apt-get install mosquitto mosquitto-clients"]);
  assert.equal(c.tshark!.optional && c.mosquitto!.optional, true);
  const lines = formatChecks(Object.values(c));
  assert.equal(lines.slice(lines.lastIndexOf("") + 1).join(" "), "6 thing(s) to fix before the workshop: node, capture tool, capture rights, jupyter, tslab kernel, browser.");
  for (const line of lines) assert.ok([...line].length <= 100, line);
  const body = lines.slice(0, lines.lastIndexOf(""));
  assert.ok(body.every((l) => /^(OK|MISSING) +\S|^ {9}fix: \S|^ {16}/.test(l)), body.join("\n"));
  assert.equal(body.filter((l) => l.startsWith("MISSING")).length, CHECKS.length);
});

test("doctor on Windows and macOS: their own fixes, never sudo apt-get", () => {
  const win = byName(runChecks(nothing("win32")));
  const winText = Object.values(win)
    .flatMap((c) => c.fix)
    .join("\n");
  assert.doesNotMatch(winText, /apt-get|sudo/);
  assert.match(win["capture tool"]!.fix.join("\n"), /C:\\Program Files\\Wireshark/);
  assert.match(win.node!.fix.join("\n"), /winget install OpenJS\.NodeJS\.LTS/);
  assert.match(win.jupyter!.fix.join("\n"), /py -m pip install --user jupyterlab/);
  assert.match(win.tshark!.fix.join("\n"), /tshark\.exe/);
  const mac = byName(runChecks(nothing("darwin")));
  const macText = Object.values(mac)
    .flatMap((c) => c.fix)
    .join("\n");
  assert.doesNotMatch(macText, /apt-get/);
  assert.match(mac["capture tool"]!.fix.join("\n"), /Wireshark\.app\/Contents\/MacOS/);
  assert.match(mac.jupyter!.fix.join("\n"), /brew install jupyterlab/);
  assert.deepEqual(mac.mosquitto!.fix, ["brew install mosquitto"]);
  // A Mac with Wireshark but without ChmodBPF: the rights line carries the capture module's advice.
  const noBpf = byName(
    runChecks({ ...allPresent("darwin"), capture: () => ({ tool: "/Applications/Wireshark.app/Contents/MacOS/dumpcap", possible: false, reason: "no permission to capture", fixes: ["run \"Install ChmodBPF.pkg\""] }) }),
  );
  assert.equal(noBpf["capture rights"]!.status, "MISSING");
  assert.deepEqual(noBpf["capture rights"]!.fix, ["run \"Install ChmodBPF.pkg\""]);
  assert.equal(noBpf["capture tool"]!.status, "OK");
});

test("versionAtLeast compares x.y.z numerically", () => {
  assert.equal(versionAtLeast("20.19.0", "20.19.0"), true);
  assert.equal(versionAtLeast("v22.1.0", "20.19.0"), true);
  assert.equal(versionAtLeast("20.9.0", "20.19.0"), false);
  assert.equal(versionAtLeast("18.20.4", "20.19.0"), false);
});

test("npx iot-wire-lab doctor on this machine: one line per part, the exit code says whether all is there; --json", () => {
  const run = spawnSync(process.execPath, [main, "doctor"], { encoding: "utf8" });
  assert.ok(run.status === 0 || run.status === 1, run.stderr);
  for (const name of CHECKS) assert.match(run.stdout, new RegExp(`^(OK|MISSING) +${name} `, "m"), `${name} line`);
  for (const line of run.stdout.split("\n")) assert.ok([...line].length <= 100, line);
  assert.match(run.stdout, new RegExp(`^OK +node +Node\\.js ${process.versions.node.replace(/\./g, "\\.")}$`, "m"));
  const json = spawnSync(process.execPath, [main, "doctor", "--json"], { encoding: "utf8" });
  const checks = JSON.parse(json.stdout) as DoctorCheck[];
  assert.deepEqual(
    checks.map((c) => c.name),
    CHECKS,
  );
  assert.equal(json.status, checks.some((c) => c.status === "MISSING" && !c.optional) ? 1 : 0);
  assert.equal(spawnSync(process.execPath, [main, "doctor", "extra"], { encoding: "utf8" }).status, 2);
});

test("Jupyter install help: pipx, a venv or Debian's classic Notebook on Debian; each system its own", () => {
  const debian = jupyterInstallCommands("linux").join("\n");
  assert.match(debian, /sudo apt-get install pipx && pipx install jupyterlab && pipx ensurepath/);
  assert.match(debian, /IOT_WIRE_LAB_PYTHON=~\/\.venvs\/jupyter\/bin\/python3 npm run notebook/);
  assert.match(debian, /sudo apt-get install jupyter-notebook python3-nbclient jupyter-nbconvert/);
  assert.doesNotMatch(jupyterInstallCommands("win32").join("\n"), /apt-get|sudo/);
  assert.doesNotMatch(jupyterInstallCommands("darwin").join("\n"), /apt-get/);
  // `npm run notebook` prints the same commands when Jupyter is missing.
  const notebookJupyter = join(__dirname, "..", "scripts", "notebook-jupyter.js");
  const help = spawnSync(process.execPath, ["-e", `process.stdout.write(require(${JSON.stringify(notebookJupyter)}).jupyterMissingHelp("linux"))`], { encoding: "utf8" });
  assert.match(help.stdout, /pipx install jupyterlab/);
  assert.match(help.stdout, /externally-managed-environment/);
});
