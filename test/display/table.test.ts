import { test } from "node:test";
import assert from "node:assert/strict";
import { makeIssue } from "../../lib/expert/issues";
import { phaseColors, tint } from "../../lib/charts/palette";
import { connectionColumns, deviceLogColumns, issueColumns } from "../../lib/display/columns";
import { escapeHtml } from "../../lib/display/html";
import { breakableHtml, LONG_CELL, renderHtmlTable, severityColors } from "../../lib/display/html-table";
import { columnsFor, showTable, tableBundle } from "../../lib/display/show";
import { messageColumns, packetColumns, phaseColumns } from "../../lib/output/columns";
import type { DeviceLogEntry } from "../../lib/platform/device-log";
import { syntheticAnalysis } from "../charts/synthetic";

const analysis = syntheticAnalysis({ connections: 2, phasesPerConnection: 8 });

function bodyRows(html: string): string[] {
  return [...html.matchAll(/<tr[^>]*>(.*?)<\/tr>/g)].slice(1).map((m) => m[0]);
}

test("escapeHtml escapes the five HTML specials", () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
});

test("cells from the wire are escaped: a topic cannot inject markup", () => {
  const packets = analysis.packets.slice(0, 3).map((p) => ({ ...p }));
  packets[1].info = `Publish Message [<img src=x onerror="alert(1)">]`;
  const html = renderHtmlTable(packets, packetColumns);
  assert.ok(!html.includes("<img"));
  assert.ok(html.includes("[&lt;img src=x onerror=&quot;alert(1)&quot;&gt;]"));
});

test("the same columns as the CLI, numbers right-aligned, Wireshark field names as header titles", () => {
  const html = renderHtmlTable(analysis.packets, packetColumns);
  const headers = [...html.matchAll(/<th[^>]*>(.*?)<\/th>/g)].map((m) => m[1].replace(/<[^>]+>/g, ""));
  assert.deepEqual(headers, packetColumns.map((c) => c.header));
  assert.match(html, /<th class="num" title="frame.number">No.<\/th>/);
  const first = bodyRows(html)[0];
  assert.match(first, /<td class="num mark"[^>]*>1<\/td>/);
});

test("rows are tinted with their phase's colour, issues with their severity's", () => {
  const publish = analysis.packets.find((p) => p.phase === "publish")!;
  const row = bodyRows(renderHtmlTable([publish], packetColumns))[0];
  assert.ok(row.includes(`background:${tint(phaseColors.publish, 0.1)}`));
  assert.ok(row.includes(`border-left-color:${phaseColors.publish}`));
  const phaseRow = bodyRows(renderHtmlTable([analysis.phases[0]], phaseColumns))[0];
  assert.ok(phaseRow.includes(phaseColors["tcp-handshake"]));
  const issue = makeIssue("tcp.retransmission", 12, "retransmitted", 0);
  assert.ok(bodyRows(renderHtmlTable([issue], issueColumns))[0].includes(severityColors.note));
  const plain = bodyRows(renderHtmlTable(analysis.connections, connectionColumns))[0];
  assert.ok(!plain.includes("background"), "connections have no phase");
});

test("long tables are cut at maxRows with a note, in HTML and in text", () => {
  const bundle = tableBundle(analysis.packets, packetColumns, { maxRows: 10 });
  const html = bundle.data["text/html"] as string;
  assert.equal(bodyRows(html).length, 10);
  assert.match(html, new RegExp(`Showing the first 10 of ${analysis.packets.length} rows.`));
  const text = bundle.data["text/plain"] as string;
  assert.equal(text.split("\n").length, 1 + 10 + 1);
  assert.match(text, new RegExp(`\\(showing the first 10 of ${analysis.packets.length} rows\\)$`));
  const all = tableBundle(analysis.packets.slice(0, 5));
  assert.ok(!(all.data["text/html"] as string).includes("Showing the first"));
});

test("columns are chosen from the rows: packets, phases, messages, issues, connections, device log, anything", () => {
  const entry: DeviceLogEntry = { seq: 1, time: "2026-01-01T00:00:00.000Z", timeMs: 0, event: "online", clientIp: "10.0.0.2", clientPort: 50000, status: "ok" };
  assert.equal(columnsFor(analysis.packets[0]), packetColumns);
  assert.equal(columnsFor(analysis.phases[0]), phaseColumns);
  assert.equal(columnsFor({ frame: 4, time: 1, relativeTime: 0, stream: 0, direction: "client->server", type: "CONNECT", length: 20, headerLength: 2, protocolVersion: 4 }), messageColumns);
  assert.equal(columnsFor(makeIssue("mqtt.malformed", 3, "bad")), issueColumns);
  assert.equal(columnsFor(analysis.connections[0]), connectionColumns);
  assert.equal(columnsFor(entry), deviceLogColumns);
  const generic = columnsFor({ name: "a", count: 3, nested: { x: 1 } });
  assert.deepEqual(
    generic.map((c) => [c.header, Boolean(c.numeric)]),
    [
      ["name", false],
      ["count", true],
      ["nested", false],
    ],
  );
  assert.equal(generic[2].text({ name: "a", count: 3, nested: { x: 1 } } as never), '{"x":1}');
  // A device-log row is tinted as the phase it records (online → connect).
  assert.ok(bodyRows(renderHtmlTable([entry], deviceLogColumns))[0].includes(phaseColors.connect));
});

test("showTable outside a kernel returns the bundle; an empty table says so", () => {
  const bundle = showTable([], packetColumns, { print: false });
  assert.ok(bundle);
  assert.equal(bundle.data["text/plain"], "(no rows)");
  assert.match(bundle.data["text/html"] as string, /<thead>/);
});

test("text columns are left-aligned by markup (the classic Notebook drops styles from untrusted output), numbers right-aligned", () => {
  const html = renderHtmlTable(analysis.packets.slice(0, 1), packetColumns);
  const headers = [...html.matchAll(/<th[^>]*>(.*?)<\/th>/g)].map((m) => m[1]);
  packetColumns.forEach((c, i) => assert.equal(/^<div align="left">/.test(headers[i]), !c.numeric, `${c.header} header`));
  const cells = [...bodyRows(html)[0].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]);
  packetColumns.forEach((c, i) => assert.equal(/^<div align="left">/.test(cells[i]), !c.numeric, `${c.header} cell`));
  // In a trusted notebook and the report, the stylesheet says the same.
  assert.match(html, /\.iwl-table th, \.iwl-table td \{ text-align: left; \}/);
  assert.match(html, /\.iwl-table \.num \{ text-align: right;/);
});

test("long values are shortened (whole value in the title) and long words can break", () => {
  const packet = { ...analysis.packets[0], info: `Publish Message (id=4) [devices/sensor-with-a-very-long-name/telemetry] ${"ab".repeat(100)} <x>` };
  const cell = [...bodyRows(renderHtmlTable([packet], packetColumns))[0].matchAll(/<td([^>]*)>(.*?)<\/td>/g)].at(-1)!;
  const shown = cell[2].replace(/<wbr>/g, "").replace(/<[^>]+>/g, "");
  assert.equal([...shown].length, LONG_CELL, "cut to LONG_CELL characters");
  assert.ok(shown.endsWith("…"));
  assert.ok(cell[1].includes(`title="${escapeHtml(packet.info)}"`), "the whole value in the title, escaped");
  assert.ok(cell[2].includes("<wbr>"), "the long topic and the long word may break");
  assert.equal(breakableHtml("short words stay whole"), "short words stay whole");
  assert.equal(breakableHtml("devices/sensor-with-a-long-name/telemetry"), "devices/<wbr>sensor-with-a-long-name/<wbr>telemetry");
  assert.equal(breakableHtml("x".repeat(50)), `${"x".repeat(24)}<wbr>${"x".repeat(24)}<wbr>xx`);
  assert.equal(breakableHtml(`<${"a".repeat(30)}>`), `&lt;${"a".repeat(23)}<wbr>aaaaaaa&gt;`);
  const short = bodyRows(renderHtmlTable([analysis.packets[0]], packetColumns))[0];
  assert.ok(!short.includes("title="), "no title on values shown whole");
});
