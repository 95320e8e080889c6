// The public API: three entry points, each a real file a notebook (tslab,
// CommonJS) can import by package name or by path. The root is for analysing
// a capture; its list of names is pinned here, so an internal that leaks into
// it (a process registry, a protocol class, a PRNG, CSS) fails this test and
// has to be added on purpose.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { projectRoot } from "../helpers/fixtures";

/** Every name "iot-wire-lab" exports, values and types. */
const ROOT = `
  Analysis AnalysisEvent AnalyzeCaptureOptions BEHAVIOUR_RULES BehaviourChecker BehaviourOptions BehaviourProfile BehaviourTimelineOptions
  BytesChartOptions CHART_WIDTH CaptureFileError CaptureInfo CaptureSource CaptureSummary ChartSpec Column ConnectionSummary Direction
  DisplayBundle EtherType EventTimelineOptions Finding FindingCode FindingData FindingSeverity FlowGraphOptions Frame HexDumpOptions
  HtmlTableOptions IpProtocol Issue IssueCode IssueGroup IssueLayer LatencyChartOptions LinkType MqttMessage PacketRow PacketType Phase
  PhaseKind PhaseKindStats PhaseStats PhaseStatus PhaseTimelineOptions PhaseTraffic PngImage RedactOptions RedactionReport RenderOptions
  ReportOptions ReportResult SequenceGraphOptions SeverityName ShowOptions StreamCaptureOptions StreamProtocol TableOptions TcpFlag
  WiresharkFilterOptions acknowledgedBy analyzeCapture behaviourTimeline buildReport bytesChart chartBundle checkBehaviour connackReturnCodes
  connectionColumns decodeEthernet decodeIpv4 decodeIpv6 decodeMqttPacket decodeTcp decodeTcpOptions describePhase describeReturnCode
  eventTimeline expertInfo findingColors findingColumns firstPhase flowGraph focusOn formatBytes formatDuration formatIpv4 formatIpv6
  formatIssue formatMac hexDump issueColumns latencyChart linkTypeName messageColumns messageInfo packetColumns packetTypeLabels
  packetTypeNames packetsOf phaseColor phaseColors phaseColumns phaseKinds phaseTimeline phasesOf readFrames reasonCodeNames redactCapture
  renderHtmlTable renderPng renderSvg sequenceGraph show showTable streamCapture tableBundle takeFrames wiresharkFilter wiresharkFilterFor
  withDecodeAs writeReport
  ComparedCapture ComparisonRowName PhaseComparisonRow PhaseCost comparePhases phaseComparisonColumns
  ConnackMessage ConnectMessage DamagedMessage MessageOfType PublishMessage SubackMessage SubscribeMessage isMessage messageOf
`.split(/\s+/).filter((name) => name !== "");

const entryPoints = { "iot-wire-lab": "index", "iot-wire-lab/lab": "lab/index", "iot-wire-lab/notebook": "notebook/index" } as const;

const declarationFile = (entry: string) => join(projectRoot, "dist", "lib", `${entry}.d.ts`);
let program: ts.Program | undefined;

/** The names a compiled entry point's declarations export (values and types), sorted. */
function declaredNames(entry: string): string[] {
  const file = declarationFile(entry);
  program ??= ts.createProgram(Object.values(entryPoints).map(declarationFile), { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, types: ["node"], noEmit: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  return checker.getExportsOfModule(module).map((symbol) => symbol.name).sort();
}

/** Loads `specifier` the way a notebook folder beside an installed package does (node_modules/iot-wire-lab → the project). */
function loadAsInstalled<T>(body: (load: (specifier: string) => Record<string, unknown>) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "iwl-entry-"));
  try {
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(projectRoot, join(dir, "node_modules", "iot-wire-lab"), "dir");
    const load = createRequire(join(dir, "notebook.js"));
    return body((specifier) => load(specifier) as Record<string, unknown>);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the root exports exactly the analysis, charts and display names pinned here", () => {
  const names = declaredNames("index");
  const added = names.filter((n) => !ROOT.includes(n));
  const removed = ROOT.filter((n) => !names.includes(n));
  assert.deepEqual({ added, removed }, { added: [], removed: [] }, "change the pinned list only on purpose");
});

test("each entry point loads by package name and by the path notebooks use, with its own names", () => {
  const expected: Record<keyof typeof entryPoints, string[]> = {
    "iot-wire-lab": ["analyzeCapture", "streamCapture", "flowGraph", "show", "showTable", "wiresharkFilter", "hexDump", "writeReport"],
    "iot-wire-lab/lab": ["DeviceRegistry", "signMqttCredentials", "startPlatform", "simulate", "runSimulation", "startCapture", "capabilities", "LiveCaptureError", "matchDeviceLog", "recordSimulation", "replayEvents"],
    "iot-wire-lab/notebook": ["notebookLab", "describeLab", "checkExercise", "saveLastCapture", "loadLastCapture", "makeRunFolder"],
  };
  loadAsInstalled((load) => {
    for (const [specifier, entry] of Object.entries(entryPoints) as Array<[keyof typeof entryPoints, string]>) {
      const byName = load(specifier);
      const byPath = load(join(projectRoot, "dist", "lib", entry));
      assert.equal(byName, byPath, `${specifier} is dist/lib/${entry}.js`);
      for (const name of expected[specifier]) assert.equal(typeof byName[name], "function", `${specifier} exports ${name}`);
    }
    // Anything else of dist/ is not part of the API.
    assert.throws(() => load("iot-wire-lab/dist/lib/live/supervisor"), /ERR_PACKAGE_PATH_NOT_EXPORTED|not defined by "exports"/);
  });
});

test("internals stay out of every entry point, and each public name has one home", () => {
  const names = Object.fromEntries(Object.values(entryPoints).map((entry) => [entry, declaredNames(entry)]));
  for (const internal of ["runningCaptures", "WireConnection", "mulberry32", "tableCss", "escapeHtml", "parseCaptureCounts", "Analyzer", "check", "normalizeAnswer"]) {
    for (const [entry, list] of Object.entries(names)) assert.ok(!list.includes(internal), `${internal} leaks from dist/lib/${entry}`);
  }
  const homes = new Map<string, string[]>();
  for (const [entry, list] of Object.entries(names)) for (const name of list) homes.set(name, [...(homes.get(name) ?? []), entry]);
  assert.deepEqual([...homes].filter(([, where]) => where.length > 1).map(([name, where]) => `${name}: ${where.join(", ")}`), []);
});
