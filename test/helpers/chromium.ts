// Headless chromium (Debian's), offline and with a throw-away profile, as the
// browser tests launch it.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { join } from "node:path";

/** The switches every test run uses: headless, no sandbox (root in CI), nothing fetched in the background. */
export function chromiumArgs(profileDir: string, windowSize: string): string[] {
  return [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    `--user-data-dir=${join(profileDir, "profile")}`,
    "--enable-logging=stderr",
    "--v=0",
    `--window-size=${windowSize}`,
  ];
}

/**
 * Loads `url` and writes a screenshot of the window (width×height CSS pixels)
 * to `file`. `waitMs` of virtual time lets the page's scripts finish (the
 * classic Notebook fetches the notebook and renders it after load).
 */
export function screenshot(chromium: string, url: string, file: string, options: { dir: string; width: number; height: number; waitMs?: number }): SpawnSyncReturns<string> {
  return spawnSync(
    chromium,
    [...chromiumArgs(options.dir, `${options.width},${options.height}`), "--hide-scrollbars", "--force-device-scale-factor=1", `--virtual-time-budget=${options.waitMs ?? 5000}`, `--screenshot=${file}`, url],
    { encoding: "utf8", timeout: 180_000, maxBuffer: 64 * 1024 * 1024 },
  );
}
