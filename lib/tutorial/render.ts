/**
 * The tutorial's results as text for a person: the packet list with phases
 * (the same columns as `iot-wire-lab analyze`), the phases with their timings,
 * the script's schedule as measured on the wire, and the device log matched
 * to frames.
 */
import type { Analysis, Phase } from "../analysis/types";
import { formatDuration } from "../analysis/format";
import { deviceLogMatchColumns, type DeviceLogMatch } from "../lab/device-log-match";
import { packetColumns, phaseColumns } from "../output/columns";
import { renderTextTable } from "../output/text-table";
import { TUTORIAL_SCRIPT } from "../simulator/device-run";

export function packetListText(analysis: Analysis): string {
  return renderTextTable(analysis.packets, packetColumns);
}

export function phasesText(analysis: Analysis): string {
  return renderTextTable(analysis.phases, phaseColumns);
}

export function deviceLogMatchText(matches: readonly DeviceLogMatch[], captureStart: number | undefined): string {
  return renderTextTable(matches, deviceLogMatchColumns(captureStart ?? 0));
}

/** The first phase of a kind on a stream. */
function first(phases: readonly Phase[], stream: number, kind: Phase["kind"]): Phase | undefined {
  return phases.find((p) => p.stream === stream && p.kind === kind);
}

/**
 * The seed program's schedule (3 s, 5 s, 8 s after the CONNACK, divided by the
 * speed) next to when each request actually left, on the first MQTT stream.
 */
export function scheduleLines(analysis: Analysis, speed: number): string[] {
  const connect = analysis.phases.find((p) => p.kind === "connect" && p.status === "complete");
  if (!connect) return ["(no accepted CONNECT in the capture: nothing to time)"];
  const connack = connect.end;
  const rows: Array<[string, Phase | undefined, number]> = [
    ["SUBSCRIBE", first(analysis.phases, connect.stream, "subscribe"), TUTORIAL_SCRIPT.subscribeAt],
    ["PUBLISH", first(analysis.phases, connect.stream, "publish"), TUTORIAL_SCRIPT.firstPublishAt],
    ["DISCONNECT", first(analysis.phases, connect.stream, "disconnect"), TUTORIAL_SCRIPT.firstPublishAt + TUTORIAL_SCRIPT.disconnectAfterLastPublish],
  ];
  const lines = [`times after the CONNACK (frame ${connect.endFrame}); the script's seconds are divided by the speed, ${speed}:`];
  for (const [what, phase, seconds] of rows) {
    const planned = seconds / speed;
    if (!phase) {
      lines.push(`  ${what.padEnd(10)}  planned ${formatDuration(planned).padStart(8)}  not in the capture`);
      continue;
    }
    const actual = phase.start - connack;
    lines.push(`  ${what.padEnd(10)}  planned ${formatDuration(planned).padStart(8)}  on the wire ${formatDuration(actual).padStart(8)}  (frame ${phase.startFrame}, ${formatDuration(actual - planned)} later than planned)`);
  }
  return lines;
}
