// Waiting for the embedded platform's device log in tests.
import type { DeviceLogEntry, Platform } from "../../lib/platform";

/** Resolves with the first log entry that matches (already recorded or yet to come). */
export function waitForLog(platform: Platform, match: (e: DeviceLogEntry) => boolean, timeoutMs = 3000): Promise<DeviceLogEntry> {
  const found = platform.deviceLog.entries.find(match);
  if (found) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      platform.off("log", listener);
      reject(new Error(`no matching log entry within ${timeoutMs} ms; log: ${JSON.stringify(platform.deviceLog.entries.map((e) => e.event))}`));
    }, timeoutMs);
    const listener = (entry: DeviceLogEntry) => {
      if (!match(entry)) return;
      clearTimeout(timer);
      platform.off("log", listener);
      resolve(entry);
    };
    platform.on("log", listener);
  });
}
