// Tests that need a system tool skip with a clear message when it is missing on
// a developer's machine, and fail when CI=true (CI installs every tool in .ci/run).
import { spawnSync } from "node:child_process";
import type { TestContext } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { capabilities } from "../../lib/live";

export const inCI = process.env.CI === "true" || process.env.CI === "1";

/** Debian package that provides each tool, for the skip message. */
const debianPackage: Record<string, string> = {
  tshark: "tshark",
  tcpdump: "tcpdump",
  dumpcap: "tshark (wireshark-common)",
  editcap: "tshark (wireshark-common)",
  mosquitto: "mosquitto",
  mosquitto_pub: "mosquitto-clients",
  chromium: "chromium",
  "jupyter-nbconvert": "jupyter-nbconvert python3-nbclient",
  "jupyter-notebook": "jupyter-notebook",
  unshare: "util-linux",
};

export function which(tool: string): string | undefined {
  const result = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" });
  const path = result.stdout.trim();
  return result.status === 0 && path ? path : undefined;
}

/**
 * Returns the tool's path, or skips the test (locally) / fails it (CI) with a
 * message naming the package to install.
 */
export function needTool(t: TestContext, tool: string): string | undefined {
  const path = which(tool);
  if (path) return path;
  const message = `${tool} is not installed: sudo apt-get install ${debianPackage[tool] ?? tool}`;
  if (inCI) assert.fail(`${message} (CI=true, so this is a failure, not a skip)`);
  t.skip(message);
  return undefined;
}

/** Folder of public captures shared beside the project (never copied into it). */
export const publicCapturesDir = process.env.IOT_WIRE_LAB_PUBLIC_CAPTURES ?? join(__dirname, "..", "..", "..", "..", "shared", "captures", "public");

/** Why a test on the public captures skipped, and how to get them. */
export function publicCapturesHint(missing: string = publicCapturesDir): string {
  return `public captures not found (${missing}): set IOT_WIRE_LAB_PUBLIC_CAPTURES=/path/to/captures/public, or place the repo beside shared/ so that ../shared/captures/public exists`;
}

export function needPublicCaptures(t: TestContext): string | undefined {
  if (existsSync(publicCapturesDir)) return publicCapturesDir;
  t.skip(publicCapturesHint());
  return undefined;
}

/** The display-filter field names tshark registers (`tshark -G fields`). */
export function tsharkFieldNames(tshark: string): Set<string> {
  const listed = spawnSync(tshark, ["-G", "fields"], { encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  assert.equal(listed.status, 0, listed.stderr);
  return new Set(listed.stdout.split("\n").map((line) => line.split("\t")[2]));
}

/** Live capture rights here? (CI runs as root; a developer may not.) Skips locally, fails in CI. */
export function needCaptureRights(t: { skip(message: string): void }): boolean {
  const caps = capabilities();
  if (caps.live.possible && caps.live.via !== "rootless-namespace") return true;
  const message = `no capture rights here (${caps.live.reason}); run as root or see \`iot-wire-lab capture --capabilities\``;
  if (inCI) assert.fail(message);
  t.skip(message);
  return false;
}
