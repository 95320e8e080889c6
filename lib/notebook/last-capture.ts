/**
 * How notebook 03 hands its capture to notebook 04: a small JSON file in the
 * lab's home (`last-capture.json`) naming the capture, the platform's device
 * log of the same run, the MQTT port and the registry that knows the device.
 * Notebook 04 reads it, or falls back to the bundled capture when there is
 * none (run alone, or in bundled mode).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { NotebookLab } from "./lab";

export interface LastCapture {
  /** "live": recorded in notebook 03; "bundled": data/captures/tutorial.pcapng. */
  source: "live" | "bundled";
  /** The capture file (absolute). */
  capture: string;
  /** The embedded platform's device log of the same run (JSON lines). */
  deviceLog?: string;
  /** Ports that carry MQTT besides 1883 (the embedded platform's port). */
  mqttPorts: number[];
  /** The registry that knows the device, to check its signature. */
  registry: string;
  /** ISO time of the recording. */
  recordedAt?: string;
  /** What the capture tool said it wrote. */
  tool?: string;
  /** Why the bundled capture stands in for a live one. */
  reason?: string;
}

export interface LoadedCapture extends LastCapture {
  /** One sentence for the notebook: which capture this is and why. */
  explanation: string;
}

/** The bundled tutorial capture, as a LastCapture. */
export function bundledLastCapture(lab: NotebookLab, reason: string): LastCapture {
  return {
    source: "bundled",
    capture: lab.bundled.tutorial,
    deviceLog: lab.bundled.tutorialDeviceLog,
    mqttPorts: [],
    registry: lab.bundled.demoRegistry,
    reason,
  };
}

/** Writes `last-capture.json` for notebook 04; returns its path. */
export function saveLastCapture(lab: NotebookLab, capture: LastCapture): string {
  mkdirSync(dirname(lab.lastCaptureFile), { recursive: true, mode: 0o700 });
  writeFileSync(lab.lastCaptureFile, JSON.stringify(capture, null, 2) + "\n", { mode: 0o600 });
  return lab.lastCaptureFile;
}

/**
 * The capture notebook 04 should analyse: notebook 03's in live mode when it
 * left one (and its file still exists), else the bundled tutorial capture.
 */
export function loadLastCapture(lab: NotebookLab): LoadedCapture {
  const bundled = (reason: string): LoadedCapture => {
    const capture = bundledLastCapture(lab, reason);
    return { ...capture, explanation: `Using the bundled capture ${lab.displayPath(capture.capture)}: ${reason}.` };
  };
  if (!lab.live) return bundled("bundled mode replays the recordings");
  if (!existsSync(lab.lastCaptureFile)) return bundled("notebook 03 has not saved a capture yet (run it first to analyse your own)");
  let saved: LastCapture;
  try {
    saved = JSON.parse(readFileSync(lab.lastCaptureFile, "utf8")) as LastCapture;
  } catch (error) {
    return bundled(`${lab.displayPath(lab.lastCaptureFile)} cannot be read (${(error as Error).message})`);
  }
  if (typeof saved.capture !== "string" || !existsSync(saved.capture)) return bundled(`the capture notebook 03 saved is gone`);
  const what =
    saved.source === "live"
      ? `Using the capture notebook 03 recorded${saved.recordedAt ? ` at ${saved.recordedAt}` : ""}: ${lab.displayPath(saved.capture)}.`
      : `Notebook 03 could not capture live (${saved.reason ?? "no reason recorded"}), so this is the bundled capture ${lab.displayPath(saved.capture)}.`;
  return { ...saved, mqttPorts: Array.isArray(saved.mqttPorts) ? saved.mqttPorts : [], explanation: what };
}

/**
 * How a bundled capture was recorded: the commands listed for it in
 * data/captures/fixtures.json (the capture tool's command line first), so a
 * notebook in bundled mode can still show what the live step would run.
 */
export function bundledRecipe(lab: NotebookLab, name: string): string[] {
  try {
    const fixtures = JSON.parse(readFileSync(join(lab.bundled.dir, "fixtures.json"), "utf8")) as { files?: Record<string, { commands?: unknown }> };
    const commands = fixtures.files?.[name]?.commands;
    return Array.isArray(commands) ? commands.filter((c): c is string => typeof c === "string") : [];
  } catch {
    return [];
  }
}
