import { join } from "node:path";

/** The project root (tests run from dist/test/...). */
export const projectRoot = join(__dirname, "..", "..", "..");
export const fixtureDir = join(projectRoot, "data", "captures");
export const goldenDir = join(projectRoot, "test", "golden");

/**
 * Every capture the tests run on: the fixtures in data/captures, then the
 * public ones in ../shared/captures/public when that folder is present.
 */
export function captureFiles(): string[] {
  // Required here, not imported above, to keep this module free of cycles with tools.ts.
  const { existsSync, readdirSync } = require("node:fs") as typeof import("node:fs");
  const { publicCapturesDir } = require("./tools") as typeof import("./tools");
  const files: string[] = [];
  for (const dir of [fixtureDir, publicCapturesDir]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) if (/\.(pcap|pcapng)$/.test(name)) files.push(join(dir, name));
  }
  return files;
}

/**
 * The NSS key log recorded beside a capture (X.keylog for X.pcap/X.pcapng),
 * as data/captures/mosquitto-tls13.keylog is for mosquitto-tls13.pcapng.
 */
export function keylogBeside(capture: string): string | undefined {
  const { existsSync } = require("node:fs") as typeof import("node:fs");
  const keylog = capture.replace(/\.(pcap|pcapng)$/, ".keylog");
  return keylog !== capture && existsSync(keylog) ? keylog : undefined;
}
