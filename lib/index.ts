/**
 * iot-wire-lab: the library behind the notebooks and the CLI.
 *
 * The analysis core: capture files → frames → link/IP/TCP → connections and
 * reassembled streams → MQTT messages → phases → tables and charts.
 */
export { analyzeCapture, streamCapture, type AnalyzeCaptureOptions, type StreamCaptureOptions } from "./analysis/analyze";
export { Analyzer, type AnalyzeOptions, type AnalysisSink } from "./analysis/analyzer";
export * from "./analysis/types";
export { expertInfo, formatIssue, wiresharkFilterFor, type Issue, type IssueCode, type IssueGroup, type IssueLayer, type SeverityName } from "./expert/issues";
export { formatDuration, formatBytes } from "./analysis/format";
export { describePhase } from "./analysis/phases";
export { readCapture, detectFormat, type FrameSink } from "./capture/reader";
export type { CaptureSource } from "./capture/source";
export type { Frame, CaptureInfo, CaptureInterface } from "./capture/frame";
export { LinkType, linkTypeName } from "./capture/frame";
export { CaptureFileError } from "./capture/errors";
export { readFrames } from "./capture/frames";
export { encodePcap, encodePcapng } from "./capture/writer";
export { redactCapture, type RedactOptions, type RedactionReport } from "./share/redact";
export { decodeEthernet, formatMac, EtherType } from "./layers/ethernet";
export { decodeIpv4, formatIpv4, IpProtocol } from "./layers/ipv4";
export { decodeIpv6, formatIpv6 } from "./layers/ipv6";
export { decodeTcp, decodeTcpOptions, TcpFlag } from "./layers/tcp";
export { decodeMqttPacket } from "./mqtt/decoder";
export { PacketType, packetTypeNames, packetTypeLabels, connackReturnCodes, reasonCodeNames, describeReturnCode } from "./mqtt/constants";
export { messageInfo } from "./mqtt/message";
export { packetColumns, phaseColumns, messageColumns, type Column } from "./output/columns";
export { PhaseStats, type PhaseKindStats } from "./output/phase-stats";

// Device identity and credentials, the embedded IoT platform, the device simulator.
export * from "./device/index";
export * from "./platform/index";
export * from "./simulator/index";
// The lab joins them: without a broker, a simulation runs against a fresh embedded platform.
export { simulate, runSimulation, startEmbeddedPlatform } from "./lab/simulate";
export { startPlatformOnMqttPort, MQTT_PORT, type PlatformOnMqttPort } from "./lab/mqtt-port";

// Charts (vega-lite specs built from an Analysis), notebook display, the HTML report.
export { flowGraph, type FlowGraphOptions } from "./charts/flow-graph";
export { phaseTimeline, type PhaseTimelineOptions } from "./charts/phase-timeline";
export { latencyChart, type LatencyChartOptions } from "./charts/latency-chart";
export { bytesChart, type BytesChartOptions } from "./charts/bytes-chart";
export { sequenceGraph, type SequenceGraphOptions } from "./charts/sequence-graph";
export { behaviourTimeline, SILENCE_CLASSES, type BehaviourTimelineOptions } from "./charts/behaviour-timeline";
export { phaseColors, phaseColor, phaseColorScale, otherPhaseColor, byteParts, directionLabels } from "./charts/palette";
export { CHART_FONT, CHART_WIDTH, VEGA_LITE_SCHEMA, type ChartSpec } from "./charts/spec";
export { show, showTable, chartBundle, tableBundle, columnsFor, describeSpec, VEGA_LITE_V5_MIME, type DisplayBundle, type ShowOptions, type TableOptions } from "./display/show";
export { renderSvg, renderPng, toVegaLiteV5, VEGA_LITE_V5_SCHEMA, type RenderOptions, type PngImage } from "./display/render";
export { renderHtmlTable, defaultRowColor, severityColors, tableCss, type HtmlTableOptions } from "./display/html-table";
export { connectionColumns, issueColumns, deviceLogColumns, deviceLogPhases } from "./display/columns";
export { escapeHtml } from "./display/html";
export { buildReport, writeReport, type ReportOptions, type ReportResult } from "./report/report";

// Device behaviour checks: findings with their MQTT clause, evidence frames and Wireshark filter.
export * from "./behaviour/index";
export { findingColumns, findingColors } from "./behaviour/columns";

// Live capture, the device log beside the packets, and the tutorial run.
export * from "./live/index";
export { matchDeviceLog, deviceLogMatchColumns, type DeviceLogMatch, type MatchDeviceLogOptions } from "./lab/device-log-match";
export * from "./tutorial/index";

// Helpers for the tutorial notebooks (mode and folders, exercises, Wireshark filters, phases one at a time, replays, bytes by hand).
export * from "./notebook/index";
