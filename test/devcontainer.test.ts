// The devcontainer (.devcontainer/): a Debian image with Node 20, dumpcap,
// tshark, mosquitto and Jupyter, and the capabilities to capture inside.
// Checked statically everywhere; built only where a Docker engine answers
// (CI has none, so there it skips too, saying why).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "./helpers/fixtures";

const dir = join(projectRoot, ".devcontainer");

interface DevContainer {
  name: string;
  build: { dockerfile: string };
  capAdd: string[];
  remoteUser: string;
  postCreateCommand: string;
  customizations?: { vscode?: { extensions?: string[] } };
}

/** The Debian packages that `apt-get install` names in the Dockerfile. */
function aptPackages(dockerfile: string): string[] {
  const joined = dockerfile.replace(/\\\n/g, " ");
  const install = /apt-get install -y --no-install-recommends ([^&]+)/.exec(joined);
  assert.ok(install, "the Dockerfile installs Debian packages with apt-get");
  return install[1]!.trim().split(/\s+/);
}

test("devcontainer.json: strict JSON, builds the Dockerfile, adds NET_RAW and NET_ADMIN, installs and checks the project", () => {
  const config = JSON.parse(readFileSync(join(dir, "devcontainer.json"), "utf8")) as DevContainer;
  assert.ok(existsSync(join(dir, config.build.dockerfile)), "the Dockerfile it names exists");
  assert.deepEqual([...config.capAdd].sort(), ["NET_ADMIN", "NET_RAW"], "dumpcap needs both to capture inside the container");
  assert.equal(config.remoteUser, "node", "a normal user, as in the room: capture through the wireshark group");
  assert.match(config.postCreateCommand, /^npm ci\b.*&& npm run doctor$/);
  assert.ok(config.customizations?.vscode?.extensions?.includes("ms-toolsai.jupyter"));
  const scripts = (JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  assert.equal(scripts.doctor, "node dist/lib/cli/main.js doctor");
});

test("Dockerfile: Debian with Node 20; dumpcap, tshark, mosquitto, Jupyter; dumpcap usable by the node user; no pip into the system Python", () => {
  const dockerfile = readFileSync(join(dir, "Dockerfile"), "utf8");
  assert.match(dockerfile, /^FROM node:20-(bookworm|trixie)(-slim)?$/m, "a Debian image with Node 20");
  const packages = aptPackages(dockerfile);
  for (const needed of ["tshark", "tcpdump", "mosquitto", "mosquitto-clients", "jupyter-notebook", "jupyter-nbconvert", "python3-nbclient", "pipx", "libcap2-bin", "util-linux", "iproute2"]) {
    assert.ok(packages.includes(needed), `apt-get install lacks ${needed}`);
  }
  assert.match(dockerfile, /wireshark-common wireshark-common\/install-setuid boolean true/, "dumpcap gets its capabilities for the wireshark group");
  assert.match(dockerfile, /usermod -aG wireshark node/);
  assert.match(dockerfile, /^USER node$/m);
  assert.match(dockerfile, /pipx install jupyterlab/);
  assert.doesNotMatch(dockerfile, /(^|[^x] )pip3? install/m, "pip refuses Debian's Python (externally-managed-environment)");
  assert.match(dockerfile, /rm -rf \/var\/lib\/apt\/lists\/\*/);

  // Where apt knows Debian's packages (a Debian or Ubuntu machine), each name must be a real package.
  const aptCache = spawnSync("apt-cache", ["show", "--no-all-versions", ...packages], { encoding: "utf8" });
  if (aptCache.error || aptCache.status === null) return;
  const known = new Set([...aptCache.stdout.matchAll(/^Package: (\S+)$/gm)].map((m) => m[1]));
  for (const name of packages) assert.ok(known.has(name), `apt-cache does not know ${name}`);
});

test("the devcontainer image builds (where a Docker engine answers)", { timeout: 30 * 60_000 }, (t) => {
  const docker = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8", timeout: 20_000 });
  if (docker.error || docker.status !== 0) {
    // Not a CI failure: CI machines have the docker client at most, no engine.
    return t.skip(`no Docker engine here (${docker.error ? "docker is not installed" : (docker.stderr || "docker info failed").trim().split("\n")[0]}); the Dockerfile was checked statically above`);
  }
  const build = spawnSync("docker", ["build", "--file", join(dir, "Dockerfile"), "--tag", "iot-wire-lab-devcontainer:test", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  assert.equal(build.status, 0, build.stderr.split("\n").slice(-30).join("\n"));
  // Inside, as the node user: the tools are there, and dumpcap may capture with the capabilities added.
  const inside = spawnSync(
    "docker",
    ["run", "--rm", "--cap-add=NET_RAW", "--cap-add=NET_ADMIN", "iot-wire-lab-devcontainer:test", "sh", "-c", "node --version && tshark --version | head -1 && command -v mosquitto jupyter-lab jupyter-notebook && dumpcap -D"],
    { encoding: "utf8" },
  );
  assert.equal(inside.status, 0, inside.stderr);
  assert.match(inside.stdout, /^v20\./m);
  assert.match(inside.stdout, /jupyter-lab/);
  assert.match(inside.stdout, /\blo\b/);
});
