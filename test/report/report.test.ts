import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { expertInfo, makeIssue, type IssueCode } from "../../lib/expert/issues";
import { parseReportArgs } from "../../lib/cli/report";
import { buildReport, writeReport } from "../../lib/report/report";
import { syntheticAnalysis } from "../charts/synthetic";
import { projectRoot } from "../helpers/fixtures";
import { login, mqttConversation } from "../helpers/mqtt-conversation";
import { publicCapturesDir, publicCapturesHint } from "../helpers/tools";

const cli = join(projectRoot, "dist", "lib", "cli", "main.js");

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "iwl-report-"));
}

/** Every URL the page would fetch: src/href attributes and CSS url(). */
function fetchedUrls(html: string): string[] {
  const found = [...html.matchAll(/\s(?:src|href)="([^"#][^"]*)"/g)].map((m) => m[1]);
  found.push(...[...html.matchAll(/url\(([^#)][^)]*)\)/g)].map((m) => m[1]));
  return found;
}

test("the report is one self-contained page: sections, five inline SVG charts, no scripts, nothing fetched", async () => {
  const analysis = syntheticAnalysis({ connections: 3, phasesPerConnection: 10 });
  analysis.issues.push(makeIssue("tcp.retransmission", 5, "a retransmission", 0), makeIssue("mqtt.malformed", 9, "bad <b>length</b>", 1));
  analysis.capture.issueCounts = { "tcp.retransmission": 1, "mqtt.malformed": 1 };
  const { html, charts, chartErrors } = await buildReport(analysis, { title: "Fleet <test>", generatedAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) });
  assert.equal(charts, 5);
  assert.deepEqual(chartErrors, []);
  assert.ok(html.startsWith("<!DOCTYPE html>"));
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/);
  assert.ok(!/<script/i.test(html), "no scripts");
  assert.deepEqual(fetchedUrls(html), []);
  assert.equal((html.match(/<svg /g) ?? []).length, 5);
  // Ids (vega's clip paths) are unique across the five inline SVGs.
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ["summary", "connections", "phases", "charts", "packets", "issues"]) assert.match(html, new RegExp(`<section id="${id}">`));
  for (const id of ["flow-graph", "phase-timeline", "latency", "bytes", "sequence"]) assert.match(html, new RegExp(`<figure id="chart-${id}"`));
  assert.match(html, /<title>Fleet &lt;test&gt;<\/title>/);
  assert.match(html, /generated 2026-01-02T03:04:05Z/);
  // Issues grouped by severity, most severe first, with their text escaped.
  assert.ok(html.indexOf('id="issues-error"') < html.indexOf('id="issues-note"'));
  assert.match(html, /bad &lt;b&gt;length&lt;\/b&gt;/);
});

test("big captures: the packet list is capped with a note; counts still cover everything", async () => {
  const analysis = syntheticAnalysis({ connections: 20, phasesPerConnection: 40, packets: true });
  const { html } = await buildReport(analysis, { maxPackets: 100, maxPhases: 50 });
  assert.match(html, new RegExp(`Showing the first 100 of ${analysis.packets.length.toLocaleString("en-US")} rows.`));
  assert.match(html, new RegExp(`Showing the first 50 of ${analysis.phases.length} rows.`));
  assert.match(html, new RegExp(`<dt>Frames</dt><dd>${analysis.capture.frames.toLocaleString("en-US")}</dd>`));
});

test("an empty capture still gives a complete page, each chart saying why it is empty", async () => {
  const { html, charts, chartErrors } = await buildReport(syntheticAnalysis({ connections: 0, phasesPerConnection: 6 }));
  assert.equal(charts, 5);
  assert.deepEqual(chartErrors, []);
  assert.match(html, /No TCP connections\./);
  assert.match(html, /No issues/);
  assert.match(html, /the capture has no phases/);
});

test("writeReport creates folders and leaves no partial file behind", async () => {
  const dir = tempDir();
  try {
    const file = join(dir, "run-1", "nested", "report.html");
    const result = await writeReport(syntheticAnalysis({ connections: 1, phasesPerConnection: 8 }), file, { title: "Run 1" });
    assert.equal(result.file, file);
    assert.equal(result.charts, 5);
    assert.equal(result.bytes, readFileSync(file).length);
    assert.deepEqual(readdirSync(join(dir, "run-1", "nested")), ["report.html"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("writeReport onto a folder fails and removes its partial file", async () => {
  const dir = tempDir();
  try {
    const folder = join(dir, "a-folder");
    mkdirSync(folder);
    await assert.rejects(writeReport(syntheticAnalysis({ connections: 1, phasesPerConnection: 2 }), folder), /EISDIR|directory/i);
    assert.deepEqual(readdirSync(dir), ["a-folder"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a real capture: its connections, MQTT phases and issues are in the report", async (t) => {
  const file = join(publicCapturesDir, "sv_mqtt-events-missing-connect.pcap");
  if (!existsSync(file)) return t.skip(publicCapturesHint(file));
  const analysis = await analyzeCapture(file);
  const { html, chartErrors } = await buildReport(analysis);
  assert.deepEqual(chartErrors, []);
  assert.match(html, /Capture report: sv_mqtt-events-missing-connect.pcap/);
  assert.match(html, /Flow graph of tcp.stream 2/, "the first MQTT connection");
  assert.match(html, /SUBSCRIBE → SUBACK \[house\/bulbs\/bulb1\]/);
  assert.match(html, /tcp\.previous_segment_not_captured/);
  // The warnings heading counts every warning-level issue of the capture.
  const warnings = Object.entries(analysis.capture.issueCounts)
    .filter(([code]) => expertInfo[code as IssueCode].severity === "warning")
    .reduce((sum, [, n]) => sum + n, 0);
  assert.ok(warnings > 0);
  assert.match(html, new RegExp(`Warnings \\(${warnings}\\)`));
});

test("report CLI: arguments", () => {
  assert.deepEqual(parseReportArgs(["cap.pcapng"]), {
    file: "cap.pcapng",
    output: "cap-report.html",
    title: undefined,
    maxPackets: 1000,
    analyze: { mqttPorts: [], redactPasswords: false },
  });
  const parsed = parseReportArgs(["x.pcap", "-o", "out/r.html", "--title", "T", "--mqtt-port", "1884", "--redact", "--max-packets", "10"]);
  assert.deepEqual(parsed, { file: "x.pcap", output: "out/r.html", title: "T", maxPackets: 10, analyze: { mqttPorts: [1884], redactPasswords: true } });
  assert.equal(parseReportArgs(["--help"]), "help");
  assert.throws(() => parseReportArgs([]), /expected one capture file/);
  assert.throws(() => parseReportArgs(["x.pcap", "--mqtt-port", "0"]), /--mqtt-port needs a whole number from 1 to 65535/);
  assert.throws(() => parseReportArgs(["x.pcap", "--colour"]), /Unknown option/);
});

test("report CLI: writes the page and says what it wrote; exit 2 for a file that is not a capture", (t) => {
  const capture = join(publicCapturesDir, "sv_mqtt311-pub-qos2.pcap");
  if (!existsSync(capture)) return t.skip(publicCapturesHint(capture));
  const dir = tempDir();
  try {
    const out = join(dir, "r.html");
    const run = spawnSync(process.execPath, [cli, "report", capture, "-o", out, "--title", "QoS 2 exchange", "--redact"], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^wrote .*r\.html \(\d+\.\d KiB\): 15 frames, 1 connection\(s\), 5 phase\(s\), 5 chart\(s\)\n$/);
    assert.match(readFileSync(out, "utf8"), /<h1>QoS 2 exchange<\/h1>/);
    const bad = spawnSync(process.execPath, [cli, "report", join(projectRoot, "package.json"), "-o", join(dir, "bad.html")], { encoding: "utf8" });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^iot-wire-lab report: /);
    assert.ok(!existsSync(join(dir, "bad.html")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the report lists the device behaviour findings, escaped, with their filters", async () => {
  const analysis = await analyzeCapture(mqttConversation([...login(0, 0, "dev<1>", { keepalive: 4 }), { at: 6.1, conn: 0, close: "server" }]));
  // Long words in table cells carry break points (<wbr>) for narrow viewers; read the text without them.
  const html = (await buildReport(analysis, { generatedAt: new Date(0) })).html.replace(/<wbr>/g, "");
  assert.match(html, /<section id="behaviour"><h2>Device behaviour<\/h2>/);
  assert.match(html, /2 failure\(s\)/);
  assert.match(html, /mqtt\.keepalive_timeout_close/);
  assert.match(html, /dev&lt;1&gt;/);
  assert.match(html, /tcp\.stream == 0 &amp;&amp; \(frame\.number == /);
  const clean = await buildReport(await analyzeCapture(join(projectRoot, "data", "captures", "tutorial.pcapng")), { generatedAt: new Date(0) });
  assert.match(clean.html, /0 failure\(s\), 0 warning\(s\)/);
});
