/**
 * The hook for reports written into a tutorial run's folder.
 *
 * After the analysis, runTutorial calls each reporter with the run folder, the
 * analysis and the rest of what the run knows. A reporter writes its files
 * into the folder and returns their paths, which the run lists among its
 * saved files. `writeRunReport` is the default reporter: the HTML report.
 */
import { join } from "node:path";
import type { Analysis } from "../analysis/types";
import { writeReport } from "../report/report";
import type { DeviceLogMatch } from "../lab/device-log-match";
import type { DeviceLogEntry } from "../platform/device-log";
import type { TutorialCaptureInfo, TutorialDeviceInfo, TutorialSimulationInfo } from "./types";

export interface RunReportContext {
  device: TutorialDeviceInfo;
  capture: TutorialCaptureInfo;
  simulation: TutorialSimulationInfo;
  /** The device log that goes with the analysed capture. */
  deviceLog: DeviceLogEntry[];
  matches: DeviceLogMatch[];
}

/** Writes files into `runDir`; resolves to the paths written. */
export type RunReporter = (runDir: string, analysis: Analysis, context: RunReportContext) => Promise<string[]> | string[];

/** The default reporter: the self-contained HTML report (report.html), with the matched device log. */
export async function writeRunReport(runDir: string, analysis: Analysis, context: RunReportContext): Promise<string[]> {
  const result = await writeReport(analysis, join(runDir, "report.html"), {
    title: `Tutorial run: ${context.device.productKey}/${context.device.deviceName}`,
    deviceLog: context.matches,
  });
  return [result.file];
}
