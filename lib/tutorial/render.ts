/**
 * The tutorial's results as text for a person: the packet list with phases
 * (the same columns as `iot-wire-lab analyze`), the phases with their timings,
 * the script's schedule as measured on the wire, and the device log matched
 * to frames. By default every line fits TERMINAL_COLUMNS (long cells are cut
 * with "…"); `wide` gives the whole packet list, as `analyze` prints it.
 */
import type { Analysis, Phase } from "../analysis/types";
import { formatDuration } from "../analysis/format";
import { deviceLogMatchColumns, type DeviceLogMatch } from "../lab/device-log-match";
import { packetColumns, phaseColumns, type Column } from "../output/columns";
import { renderTextTable } from "../output/text-table";
import { TUTORIAL_SCRIPT } from "../simulator/device-run";
import type { PacketRow } from "../analysis/types";
import { fitLine, TERMINAL_COLUMNS, wrapText } from "./teach";

export interface TextWidthOptions {
  /** No cutting: every column in full (the packet list with Source and Destination). */
  wide?: boolean;
  /** Columns the lines fit when not wide (default TERMINAL_COLUMNS). */
  width?: number;
}

/**
 * A table's lines fitted to the width: "cut" ends a long line with "…";
 * "wrap" continues the last column on the next lines, under its header.
 */
function fit(text: string, options: TextWidthOptions, mode: "cut" | "wrap" = "cut"): string {
  if (options.wide) return text;
  const width = options.width ?? TERMINAL_COLUMNS;
  const [header = "", ...rows] = text.split("\n");
  if (mode === "cut") return [header, ...rows].map((line) => fitLine(line, width)).join("\n");
  const lastStart = header.lastIndexOf("  ") + 2;
  const room = width - lastStart;
  if (lastStart < 2 || room < 16) return [header, ...rows].map((line) => fitLine(line, width)).join("\n");
  const out = [fitLine(header, width)];
  for (const row of rows) {
    if ([...row].length <= width) {
      out.push(row);
      continue;
    }
    // A word longer than the column (a long topic) is split into column-wide pieces, each on its own line.
    const words = row
      .slice(lastStart)
      .split(" ")
      .flatMap((word) => word.match(new RegExp(`.{1,${room}}`, "gu")) ?? []);
    out.push(...wrapText(words.join(" "), width, row.slice(0, lastStart), " ".repeat(lastStart)));
  }
  return out.join("\n");
}

/** Source and Destination are left out of the narrow packet list (the tutorial names the two ends above it). */
const narrowPacketColumns: ReadonlyArray<Column<PacketRow>> = packetColumns.filter((c) => c.header !== "Source" && c.header !== "Destination");

export function packetListText(analysis: Analysis, options: TextWidthOptions = {}): string {
  return fit(renderTextTable(analysis.packets, options.wide ? packetColumns : narrowPacketColumns), options);
}

/** The narrow phase table: the stream, packet and byte counts are left to --wide and the report. */
const narrowPhaseColumns = phaseColumns.filter((c) => !["Stream", "Packets →/←", "Bytes →/←"].includes(c.header));

export function phasesText(analysis: Analysis, options: TextWidthOptions = {}): string {
  return fit(renderTextTable(analysis.phases, options.wide ? phaseColumns : narrowPhaseColumns), options, "wrap");
}

/** The device log beside the frames; narrow: the topic, payload or note in one last column. */
export function deviceLogMatchText(matches: readonly DeviceLogMatch[], captureStart: number | undefined, options: TextWidthOptions = {}): string {
  const columns = deviceLogMatchColumns(captureStart ?? 0);
  if (options.wide) return renderTextTable(matches, columns);
  const keep = columns.filter((c) => !["Topic", "Stream", "Note"].includes(c.header));
  const detail: Column<DeviceLogMatch> = {
    header: "Content, topic or note",
    text: (m) => m.entry.payloadPreview ?? (m.entry.event === "subscribe" || m.entry.event === "unsubscribe" ? m.entry.topic : undefined) ?? m.note ?? m.entry.reason ?? m.entry.topic ?? "",
  };
  return fit(renderTextTable(matches, [...keep, detail]), options, "wrap");
}

/** The first phase of a kind on a stream. */
function first(phases: readonly Phase[], stream: number, kind: Phase["kind"]): Phase | undefined {
  return phases.find((p) => p.stream === stream && p.kind === kind);
}

/**
 * The device program's schedule (3 s, 5 s, 8 s after the CONNACK, divided by the
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
