/**
 * The HTML report of a capture: one self-contained page (inline CSS and SVG,
 * no scripts, no network) with the capture summary, connections, phases,
 * every chart, the packet list and the issues grouped by severity. It opens
 * in any browser, by mail or from a CI artifact, and prints.
 *
 * A Content-Security-Policy meta tag forbids scripts and every fetch, so the
 * page cannot depend on anything outside itself, even by mistake.
 */
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { formatBytes, formatDuration } from "../analysis/format";
import { expertInfo, type Issue, type IssueCode, type SeverityName } from "../expert/issues";
import type { Analysis } from "../analysis/types";
import { bytesChart } from "../charts/bytes-chart";
import { flowGraph } from "../charts/flow-graph";
import { firstMqttStream, formatCount } from "../charts/format";
import { latencyChart } from "../charts/latency-chart";
import { phaseTimeline } from "../charts/phase-timeline";
import { sequenceGraph } from "../charts/sequence-graph";
import type { ChartSpec } from "../charts/spec";
import { connectionColumns, issueColumns } from "../display/columns";
import { escapeHtml } from "../display/html";
import { renderHtmlTable, severityColors } from "../display/html-table";
import { renderSvg } from "../display/render";
import { packetColumns, phaseColumns } from "../output/columns";
import { PhaseStats } from "../output/phase-stats";
import { deviceLogMatchColumns, type DeviceLogMatch } from "../lab/device-log-match";
import { checkBehaviour, type BehaviourProfile } from "../behaviour/checker";
import { findingColors, findingColumns } from "../behaviour/columns";
import { reportCss } from "./report-css";

export interface ReportOptions {
  /** Page title (default: "Capture report: <file name>"). */
  title?: string;
  /** Rows of the packet list (default 1,000). */
  maxPackets?: number;
  /** Rows of the phase table (default 2,000). */
  maxPhases?: number;
  /** Issues listed per severity (default 200; the counts always cover all). */
  maxIssues?: number;
  /** Arrows of the flow graph (default 80). */
  flowArrows?: number;
  /** The time printed as "generated" (default now). */
  generatedAt?: Date;
  /**
   * The platform's device log matched to the frames (see matchDeviceLog):
   * adds a "Device log" section, the counterpart of the console's Device Log page.
   */
  deviceLog?: readonly DeviceLogMatch[];
  /** Rules of the "Device behaviour" section: mqtt (default) or aliyun (see checkBehaviour). */
  behaviourProfile?: BehaviourProfile;
}

export interface ReportResult {
  file: string;
  /** Size of the page in bytes. */
  bytes: number;
  /** Charts rendered. */
  charts: number;
  /** Charts that failed to render (each is replaced by its error message in the page). */
  chartErrors: string[];
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

interface ChartEntry {
  id: string;
  heading: string;
  caption: string;
  spec: ChartSpec;
}

/** The charts of the report, in reading order. */
function reportCharts(analysis: Analysis, options: ReportOptions): ChartEntry[] {
  const stream = firstMqttStream(analysis);
  const where = stream !== undefined ? `tcp.stream ${stream}` : "the capture";
  return [
    {
      id: "flow-graph",
      heading: `Flow graph (${where})`,
      caption:
        "Every packet of the connection as an arrow between the device (TCP client) and the platform (server), in capture order, labelled with the packet list's Info text and coloured by phase. Wireshark: Statistics › Flow Graph.",
      spec: flowGraph(analysis, { stream, maxArrows: options.flowArrows ?? 80 }),
    },
    {
      id: "phase-timeline",
      heading: "Phase timeline",
      caption: "Each phase as a bar from its first to its last frame. Very short phases are drawn a few pixels wide so they stay visible; the tables give exact times.",
      spec: phaseTimeline(analysis),
    },
    {
      id: "latency",
      heading: "Response times",
      caption: "Time from each request to its final response as seen where the capture was taken: the TCP handshake's SYN → ACK, and MQTT's CONNECT → CONNACK, SUBSCRIBE → SUBACK, PUBLISH → PUBACK or PUBCOMP, PINGREQ → PINGRESP.",
      spec: latencyChart(analysis),
    },
    {
      id: "bytes",
      heading: "Bytes per phase",
      caption: "Bytes on the wire per phase and direction, split into TCP/IP headers (link, IP and TCP), MQTT headers and application payload.",
      spec: bytesChart(analysis),
    },
    {
      id: "sequence",
      heading: `TCP sequence graph (${where})`,
      caption: "Sequence numbers over time for each direction (Wireshark: TCP Stream Graphs › Stevens). Strokes are segments; the grey steps are the acknowledgements from the other side.",
      spec: sequenceGraph(analysis, { stream }),
    },
  ];
}

function summaryItems(analysis: Analysis): Array<[string, string]> {
  const c = analysis.capture;
  const link = c.interfaces.map((i) => i.linkTypeName).filter((v, i, all) => all.indexOf(v) === i).join(", ");
  const issues = Object.values(c.issueCounts).reduce((a, b) => a + b, 0);
  const items: Array<[string, string]> = [
    ["Capture file", c.source ? basename(c.source) : "(stream)"],
    ["Format", `${c.format}${c.compressed ? " (gzip)" : ""}${link ? ` · ${link}` : ""}`],
    ["Frames", formatCount(c.frames)],
    ["Bytes", formatBytes(c.bytes)],
    ["Duration", formatDuration(c.duration)],
  ];
  if (c.start !== undefined) items.push(["First frame (UTC)", new Date(c.start * 1000).toISOString().replace("T", " ").replace("Z", "")]);
  items.push(["TCP connections", formatCount(c.connections)], ["MQTT messages", formatCount(c.mqttMessages)], ["Phases", formatCount(c.phases)], ["Issues", formatCount(issues)]);
  return items;
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2>${body}</section>`;
}

function phaseTimings(analysis: Analysis): string {
  const stats = new PhaseStats();
  for (const phase of analysis.phases) stats.add(phase);
  const kinds = stats.summary();
  if (kinds.length === 0) return "";
  return renderHtmlTable(
    kinds,
    [
      { header: "Phase", text: (k) => k.kind },
      { header: "Count", text: (k) => formatCount(k.count), numeric: true },
      { header: "Not complete", text: (k) => formatCount(k.count - (k.statuses.complete ?? 0)), numeric: true },
      { header: "Median", text: (k) => (k.latency ? formatDuration(k.latency.median) : ""), numeric: true },
      { header: "p95", text: (k) => (k.latency ? formatDuration(k.latency.p95) : ""), numeric: true },
      { header: "Max", text: (k) => (k.latency ? formatDuration(k.latency.max) : ""), numeric: true },
      { header: "Packets", text: (k) => formatCount(k.packets), numeric: true },
      { header: "Bytes", text: (k) => formatCount(k.bytes), numeric: true },
    ],
    { style: false, rowColor: () => undefined, caption: "Timings per phase kind" },
  );
}

const severities: readonly SeverityName[] = ["error", "warning", "note", "chat"];
const severityTitles: Record<SeverityName, string> = { error: "Errors", warning: "Warnings", note: "Notes", chat: "Chats" };

/** Expert information: per severity, the count of each code (all issues) and the issues kept. */
function issuesSection(analysis: Analysis, maxIssues: number): string {
  const counts = analysis.capture.issueCounts;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (total === 0) return '<p class="lead">No issues: every frame decoded and every request was answered.</p>';
  const parts: string[] = [
    `<p class="lead">${formatCount(total)} issue(s), as Wireshark's Expert Information reports them: a code, a severity and the frame they belong to.</p>`,
  ];
  for (const severity of severities) {
    const codes = Object.entries(counts)
      .filter(([code]) => (expertInfo as Record<string, { severity: SeverityName; summary: string }>)[code]?.severity === severity)
      .sort((a, b) => b[1] - a[1]);
    if (codes.length === 0) continue;
    const n = codes.reduce((a, [, c]) => a + c, 0);
    const badge = `<span class="severity" style="background:${severityColors[severity]}">${severity}</span>`;
    parts.push(`<h3 id="issues-${severity}">${badge} ${severityTitles[severity]} (${formatCount(n)})</h3>`);
    parts.push(
      `<ul class="codes">${codes
        .map(([code, count]) => `<li><code>${escapeHtml(code)}</code> × ${formatCount(count)}: ${escapeHtml(expertInfo[code as IssueCode]?.summary ?? "")}</li>`)
        .join("")}</ul>`,
    );
    const listed: Issue[] = analysis.issues.filter((i) => i.severity === severity);
    if (listed.length > 0) parts.push(renderHtmlTable(listed, issueColumns, { maxRows: maxIssues, style: false }));
  }
  return parts.join("\n");
}

/** Device behaviour: the findings of checkBehaviour, failures first in the counts. */
function behaviourSection(analysis: Analysis, profile: BehaviourProfile | undefined): string {
  const findings = checkBehaviour(analysis, { profile });
  const count = (s: "fail" | "warn" | "info") => findings.filter((f) => f.severity === s).length;
  const lead = `<p class="lead">What the device does against the rules of MQTT${profile === "aliyun" ? " and the Alibaba Cloud IoT Platform" : ""}: ${count("fail")} failure(s), ${count("warn")} warning(s), ${count("info")} note(s). Each finding names its clause, its evidence frames and a Wireshark display filter that shows them.</p>`;
  if (findings.length === 0) return `${lead}<p>No findings: keep-alive kept, no reconnect loop, no takeover, no resend, no Will or retained message.</p>`;
  return lead + renderHtmlTable(findings, findingColumns, { maxRows: 500, style: false, rowColor: (f) => findingColors[f.severity] });
}

/** The report as one HTML string. */
export async function buildReport(analysis: Analysis, options: ReportOptions = {}): Promise<{ html: string; charts: number; chartErrors: string[] }> {
  const source = analysis.capture.source ? basename(analysis.capture.source) : "capture";
  const title = options.title ?? `Capture report: ${source}`;
  const generated = (options.generatedAt ?? new Date()).toISOString().replace(/\.\d+Z$/, "Z");
  const maxPackets = options.maxPackets ?? 1000;
  const maxPhases = options.maxPhases ?? 2000;

  const chartErrors: string[] = [];
  const figures: string[] = [];
  for (const chart of reportCharts(analysis, options)) {
    let body: string;
    try {
      body = `<div class="chart" role="img" aria-label="${escapeHtml(chart.spec.description)}">${await renderSvg(chart.spec)}</div>`;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      chartErrors.push(`${chart.id}: ${message}`);
      body = `<p class="error">This chart could not be drawn: ${escapeHtml(message)}</p>`;
    }
    // The chart's own title heads the figure; `heading` names it for screen readers.
    figures.push(`<figure id="chart-${chart.id}" aria-label="${escapeHtml(chart.heading)}">${body}<figcaption>${escapeHtml(chart.caption)}</figcaption></figure>`);
  }

  const summary = `<dl class="summary">${summaryItems(analysis)
    .map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`)
    .join("")}</dl>`;
  const connections =
    analysis.connections.length > 0
      ? renderHtmlTable(analysis.connections, connectionColumns, { maxRows: 200, style: false })
      : '<p class="lead">No TCP connections.</p>';
  const phases =
    analysis.phases.length > 0
      ? `<p class="lead">Each step of each conversation: the TCP handshake, CONNECT → CONNACK, SUBSCRIBE → SUBACK, each PUBLISH with its acknowledgements, PINGREQ → PINGRESP, DISCONNECT and the TCP teardown. Rows are tinted with the phase's colour in the charts.</p>${phaseTimings(analysis)}${renderHtmlTable(analysis.phases, phaseColumns, { maxRows: maxPhases, style: false, caption: "Phases" })}`
      : '<p class="lead">No phases: the capture holds no TCP connection this tool recognises.</p>';
  const packets =
    analysis.packets.length > 0
      ? `<p class="lead">The packet list as Wireshark's top pane shows it (Time is seconds since the first frame).</p>${renderHtmlTable(analysis.packets, packetColumns, { maxRows: maxPackets, style: false })}`
      : '<p class="lead">The analysis was made without the packet list.</p>';

  const deviceLog =
    options.deviceLog && options.deviceLog.length > 0
      ? `<p class="lead">What the platform recorded, next to the frames that carried it: each log entry with the frame it matches and how long after that frame the platform logged it.</p>${renderHtmlTable(options.deviceLog, deviceLogMatchColumns(analysis.capture.start ?? 0), { maxRows: 500, style: false })}`
      : undefined;
  const nav = [
    ["summary", "Summary"],
    ["connections", "Connections"],
    ["phases", "Phases"],
    ["charts", "Charts"],
    ...(deviceLog ? [["device-log", "Device log"]] : []),
    ["behaviour", "Behaviour"],
    ["packets", "Packets"],
    ["issues", "Issues"],
  ]
    .map(([id, text]) => `<a href="#${id}">${text}</a>`)
    .join("");

  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="iot-wire-lab report">
<title>${escapeHtml(title)}</title>
<style>
${reportCss}
</style>
</head>
<body>
<main>
<header><h1>${escapeHtml(title)}</h1><p>${escapeHtml(analysis.capture.source ?? source)} · generated ${escapeHtml(generated)} by iot-wire-lab</p></header>
<nav>${nav}</nav>
${section("summary", "Summary", summary)}
${section("connections", "Connections", connections)}
${section("phases", "Phases", phases)}
${section("charts", "Charts", figures.join("\n"))}
${deviceLog ? section("device-log", "Device log", deviceLog) : ""}
${section("behaviour", "Device behaviour", behaviourSection(analysis, options.behaviourProfile))}
${section("packets", "Packets", packets)}
${section("issues", "Issues", issuesSection(analysis, options.maxIssues ?? 200))}
<footer>Made with iot-wire-lab. Frame numbers, tcp.stream numbers and Info texts match Wireshark's, so any row can be looked up there.</footer>
</main>
</body>
</html>
`;
  return { html, charts: figures.length - chartErrors.length, chartErrors };
}

/**
 * Writes the report to `file` (folders are created; the page is written
 * under a temporary name and renamed, so a reader never sees half a file,
 * and removed if that fails).
 */
export async function writeReport(analysis: Analysis, file: string, options: ReportOptions = {}): Promise<ReportResult> {
  const { html, charts, chartErrors } = await buildReport(analysis, options);
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  try {
    await writeFile(partial, html, "utf8");
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true }); // nothing left behind
    throw error;
  }
  return { file, bytes: Buffer.byteLength(html, "utf8"), charts, chartErrors };
}
