/** What a tutorial run reports about itself (see tutorial.ts). */
import type { CaptureTool, LiveCaptureFormat } from "../live/index";
import type { Analysis } from "../analysis/types";
import type { DeviceLogMatch } from "../lab/device-log-match";
import type { DeviceLogEntry } from "../platform/device-log";
import type { SimulatorEvent } from "../simulator/events";

export interface TutorialDeviceInfo {
  productKey: string;
  deviceName: string;
  /** Made by this run (false: reused from the registry). */
  created: boolean;
  /** The registry file. */
  registry: string;
}

export interface TutorialCaptureInfo {
  /** "live": recorded now; "bundled": data/captures/tutorial.pcapng, because no live capture was possible or wanted. */
  source: "live" | "bundled";
  /** The capture in the run folder. */
  file: string;
  format: LiveCaptureFormat;
  tool?: CaptureTool;
  /** The capture command (live). */
  command?: string[];
  /** Packets written and dropped by the kernel, as the tool reported them (live). */
  packets?: number;
  droppedByKernel?: number;
  /** Recorded inside the rootless namespace. */
  rootless: boolean;
  /** The bundled file it was copied from. */
  bundledFrom?: string;
  /** Speed the capture's run used (the bundled one was recorded at speed 1). */
  speed: number;
  /** Why no live capture was made, and how to get one. */
  unavailable?: { reason: string; fixes: string[] };
  /** The TLS key log beside the capture (a TLS run): an NSS key log, a secret. */
  keylog?: string;
}

export interface TutorialSimulationInfo {
  speed: number;
  seed: number;
  protocolVersion: 4 | 5;
  qos: 0 | 1 | 2;
  durationMs: number;
  platformUrl: string;
  events: SimulatorEvent[];
}

export interface TutorialFiles {
  capture: string;
  /** The device log that goes with `capture` (JSON lines). */
  deviceLog: string;
  /** This run's own device log, when the analysed capture is the bundled one. */
  simulationDeviceLog?: string;
  /** summary.json: the analysis summary, phases, the matched device log. */
  summary: string;
  /** Files written by reporters (the HTML report). */
  reports: string[];
}

export interface TutorialResult {
  runDir: string;
  files: TutorialFiles;
  device: TutorialDeviceInfo;
  platform: { url: string; port: number; maxQos: 1 | 2 };
  capture: TutorialCaptureInfo;
  simulation: TutorialSimulationInfo;
  analysis: Analysis;
  /** The device log matched with the capture. */
  deviceLog: DeviceLogEntry[];
  matches: DeviceLogMatch[];
  /** Run folders removed to keep only the newest ones. */
  pruned: string[];
  durationMs: number;
}
