/**
 * iot-wire-lab: how an MQTT device behaves on the wire, from a capture.
 *
 * This entry point ("iot-wire-lab") is for analysing a capture: capture files
 * → frames → link/IP/TCP → connections and reassembled streams → MQTT
 * messages → phases → behaviour findings, tables, charts and the report.
 * The lab around it has its own entry points:
 *
 * - "iot-wire-lab/lab" (lib/lab/index.ts): device identity and credentials,
 *   the embedded IoT platform, the device simulator, live capture, and the
 *   lab that joins them;
 * - "iot-wire-lab/notebook" (lib/notebook/index.ts): the tutorial notebooks'
 *   session, exercises and saved captures.
 *
 * Every name here is chosen: test/api/entry-points.test.ts pins the list.
 */

// The analysis: the whole capture at once, or as a stream of events; its records and expert info.
export { analyzeCapture, streamCapture, type AnalyzeCaptureOptions, type StreamCaptureOptions } from "./analysis/analyze";
export {
  phaseKinds,
  type Analysis,
  type AnalysisEvent,
  type CaptureSummary,
  type ConnectionSummary,
  type Direction,
  type MqttMessage,
  type PacketRow,
  type Phase,
  type PhaseKind,
  type PhaseStatus,
  type PhaseTraffic,
  type StreamProtocol,
} from "./analysis/types";
export { expertInfo, formatIssue, wiresharkFilterFor, type Issue, type IssueCode, type IssueGroup, type IssueLayer, type SeverityName } from "./expert/issues";
export { formatDuration, formatBytes } from "./analysis/format";
export { describePhase, messageOf } from "./analysis/phases";
export { isMessage, type MessageOfType, type ConnectMessage, type ConnackMessage, type PublishMessage, type SubscribeMessage, type SubackMessage, type DamagedMessage } from "./mqtt/types";

// One phase at a time, and the Wireshark display filter that shows it.
export { packetsOf, focusOn, phasesOf, firstPhase } from "./analysis/focus";
export { wiresharkFilter, withDecodeAs, acknowledgedBy, type WiresharkFilterOptions } from "./analysis/wireshark-filter";

// Device behaviour checks: findings with their MQTT clause, evidence frames and Wireshark filter.
export { checkBehaviour, BehaviourChecker, type BehaviourOptions, type BehaviourProfile } from "./behaviour/checker";
export { BEHAVIOUR_RULES, type Finding, type FindingCode, type FindingData, type FindingSeverity } from "./behaviour/finding";
export { findingColumns, findingColors } from "./behaviour/columns";

// Frames and bytes by hand: read frames, decode each layer yourself.
export { readFrames } from "./capture/frames";
export { takeFrames } from "./capture/take-frames";
export { LinkType, linkTypeName, type Frame, type CaptureInfo } from "./capture/frame";
export type { CaptureSource } from "./capture/source";
export { CaptureFileError } from "./capture/errors";
export { decodeEthernet, formatMac, EtherType } from "./layers/ethernet";
export { decodeIpv4, formatIpv4, IpProtocol } from "./layers/ipv4";
export { decodeIpv6, formatIpv6 } from "./layers/ipv6";
export { decodeTcp, decodeTcpOptions, TcpFlag } from "./layers/tcp";
export { decodeMqttPacket } from "./mqtt/decoder";
export { PacketType, packetTypeNames, packetTypeLabels, connackReturnCodes, reasonCodeNames, describeReturnCode } from "./mqtt/constants";
export { messageInfo } from "./mqtt/message";

// Sharing a capture without its secrets.
export { redactCapture, type RedactOptions, type RedactionReport } from "./share/redact";

// Tables and statistics.
export { packetColumns, phaseColumns, messageColumns, type Column } from "./output/columns";
export { PhaseStats, type PhaseKindStats } from "./output/phase-stats";
export { comparePhases, phaseComparisonColumns, type ComparedCapture, type PhaseComparisonRow, type PhaseCost, type ComparisonRowName } from "./output/phase-comparison";

// Charts: vega-lite specs built from an Analysis (and from a simulator run).
export { flowGraph, type FlowGraphOptions } from "./charts/flow-graph";
export { phaseTimeline, type PhaseTimelineOptions } from "./charts/phase-timeline";
export { latencyChart, type LatencyChartOptions } from "./charts/latency-chart";
export { bytesChart, type BytesChartOptions } from "./charts/bytes-chart";
export { sequenceGraph, type SequenceGraphOptions } from "./charts/sequence-graph";
export { behaviourTimeline, type BehaviourTimelineOptions } from "./charts/behaviour-timeline";
export { eventTimeline, type EventTimelineOptions } from "./charts/event-timeline";
export { phaseColors, phaseColor } from "./charts/palette";
export { CHART_WIDTH, type ChartSpec } from "./charts/spec";

// Display in a notebook (vega-lite plus PNG, HTML tables), rendering, hex dumps and the HTML report.
export { show, showTable, chartBundle, tableBundle, type DisplayBundle, type ShowOptions, type TableOptions } from "./display/show";
export { renderSvg, renderPng, type RenderOptions, type PngImage } from "./display/render";
export { renderHtmlTable, type HtmlTableOptions } from "./display/html-table";
export { connectionColumns, issueColumns } from "./display/columns";
export { hexDump, type HexDumpOptions } from "./display/hex-dump";
export { buildReport, writeReport, type ReportOptions, type ReportResult } from "./report/report";
