// The report opened in a real browser: Debian's chromium, headless, offline.
// A small probe script (allowed by its hash in the page's Content-Security-
// Policy, which otherwise forbids scripts) measures every chart once the page
// has loaded and writes the result into the DOM, which `--dump-dom` prints.
// Console messages (including CSP refusals, which a page that tried to fetch
// anything would cause) come out on stderr with `--enable-logging=stderr`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import type { Analysis } from "../../lib/analysis/types";
import { buildReport } from "../../lib/report/report";
import { syntheticAnalysis } from "../charts/synthetic";
import { renderPng } from "../../lib/display/render";
import { chromiumArgs, screenshot } from "../helpers/chromium";
import { assertChartsDrawn } from "../helpers/pixels";
import { needTool, publicCapturesDir } from "../helpers/tools";

const probe = `(() => {
  const out = { title: document.title, resources: performance.getEntriesByType("resource").length, figures: [] };
  for (const figure of document.querySelectorAll("figure")) {
    const svg = figure.querySelector("svg");
    const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
    const marks = svg ? [...svg.querySelectorAll("g.role-mark > *")] : [];
    const visible = marks.filter((m) => { const r = m.getBoundingClientRect(); return r.width > 0 || r.height > 0; }).length;
    out.figures.push({ id: figure.id, svg: Boolean(svg), width: box.width, height: box.height, marks: marks.length, visible, texts: svg ? svg.querySelectorAll("text").length : 0, error: Boolean(figure.querySelector(".error")) });
  }
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();`;

interface ProbeResult {
  title: string;
  resources: number;
  figures: Array<{ id: string; svg: boolean; width: number; height: number; marks: number; visible: number; texts: number; error: boolean }>;
}

/** The report with the probe added: the CSP gains exactly one script-src entry, the probe's hash. */
function withProbe(html: string): string {
  const hash = createHash("sha256").update(probe).digest("base64");
  const csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
  assert.ok(html.includes(csp), "the report carries its CSP");
  return html.replace(csp, `${csp}; script-src 'sha256-${hash}'`).replace("</body>", `<script>${probe}</script>\n</body>`);
}

function unescapeText(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}

async function analysisForTest(): Promise<[string, Analysis]> {
  const file = join(publicCapturesDir, "sv_mqtt-events-missing-connect.pcap");
  if (existsSync(file)) return [file, await analyzeCapture(file)];
  return ["synthetic", syntheticAnalysis({ connections: 4, phasesPerConnection: 12 })];
}

test("the report renders in headless chromium: every chart drawn, no console message, nothing fetched", async (t) => {
  const chromium = needTool(t, "chromium");
  if (!chromium) return;
  const [source, analysis] = await analysisForTest();
  const { html } = await buildReport(analysis, { title: "Chromium check" });
  const dir = mkdtempSync(join(tmpdir(), "iwl-chromium-"));
  try {
    const page = join(dir, "report.html");
    writeFileSync(page, withProbe(html));
    const run = spawnSync(
      chromium,
      [
        ...chromiumArgs(dir, "1100,900"),
        "--dump-dom",
        `file://${page}`,
      ],
      { encoding: "utf8", timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
    );
    assert.equal(run.status, 0, `chromium failed (${run.signal ?? run.status}): ${run.stderr.slice(-2000)}`);
    const dumped = /<pre id="probe">(.*?)<\/pre>/s.exec(run.stdout);
    assert.ok(dumped, "the probe ran (blocked by the CSP, or the page did not load?)");
    const result = JSON.parse(unescapeText(dumped[1])) as ProbeResult;
    assert.equal(result.title, "Chromium check");
    assert.equal(result.resources, 0, "the page fetched nothing");
    assert.deepEqual(
      result.figures.map((f) => f.id),
      ["chart-flow-graph", "chart-phase-timeline", "chart-latency", "chart-bytes", "chart-sequence"],
    );
    for (const f of result.figures) {
      assert.ok(f.svg && !f.error, `${f.id} of ${source} has its SVG`);
      assert.ok(f.width > 300 && f.height > 100, `${f.id} is ${f.width}×${f.height}`);
      assert.ok(f.marks > 0 && f.visible > 0, `${f.id}: ${f.visible} of ${f.marks} marks visible`);
      assert.ok(f.texts > 5, `${f.id} has titles and labels`);
    }
    const consoleLines = run.stderr.split("\n").filter((line) => /:CONSOLE[:(]/.test(line));
    assert.deepEqual(consoleLines, [], "no console messages (errors, CSP refusals)");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the report's screenshot shows every chart (pixels, not HTML)", { timeout: 180_000 }, async (t) => {
  const chromium = needTool(t, "chromium");
  if (!chromium) return;
  const [, analysis] = await analysisForTest();
  const { html } = await buildReport(analysis, { title: "Pixel check" });
  // The reference drawings: each figure's SVG, rasterised apart at 2×.
  const svgs = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
  assert.equal(svgs.length, 5, "five charts");
  const references = await Promise.all(svgs.map(async (svg) => (await renderPng(svg)).png));
  const dir = mkdtempSync(join(tmpdir(), "iwl-report-shot-"));
  try {
    const page = join(dir, "report.html");
    writeFileSync(page, html);
    const shot = join(dir, "report.png");
    const run = screenshot(chromium, `file://${page}`, shot, { dir, width: 1100, height: 9000 });
    assert.equal(run.status, 0, `chromium failed: ${run.stderr.slice(-1500)}`);
    if (process.env.IWL_KEEP_SCREENSHOTS) copyFileSync(shot, join(process.env.IWL_KEEP_SCREENSHOTS, "report.png"));
    assertChartsDrawn(shot, references, "the HTML report");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
