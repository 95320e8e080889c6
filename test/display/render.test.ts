import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import type { Analysis } from "../../lib/analysis/types";
import { bytesChart } from "../../lib/charts/bytes-chart";
import { flowGraph } from "../../lib/charts/flow-graph";
import { latencyChart } from "../../lib/charts/latency-chart";
import { phaseTimeline } from "../../lib/charts/phase-timeline";
import { sequenceGraph } from "../../lib/charts/sequence-graph";
import { textWidth, vegaTextWidth } from "../../lib/charts/text-metrics";
import { renderPng, renderSvg, toVegaLiteV5, uniqueIds, VEGA_LITE_V5_SCHEMA } from "../../lib/display/render";
import { inkIn, readPng } from "../helpers/pixels";
import { fixtureDir } from "../helpers/fixtures";
import { publicCapturesDir } from "../helpers/tools";
import { syntheticAnalysis } from "../charts/synthetic";

/** Runs `body` with console.warn/error captured (vega and vega-lite log problems there). */
async function capturingWarnings<T>(body: () => Promise<T>): Promise<{ value: T; warnings: string[] }> {
  const warnings: string[] = [];
  const { warn, error } = console;
  console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(" "));
  console.error = (...args: unknown[]) => warnings.push(args.map(String).join(" "));
  try {
    return { value: await body(), warnings };
  } finally {
    console.warn = warn;
    console.error = error;
  }
}

function allCharts(analysis: Analysis) {
  return [
    ["flowGraph", flowGraph(analysis)],
    ["phaseTimeline", phaseTimeline(analysis)],
    ["latencyChart", latencyChart(analysis)],
    ["latencyChart distribution", latencyChart(analysis, { mode: "distribution" })],
    ["bytesChart", bytesChart(analysis)],
    ["bytesChart mean", bytesChart(analysis, { measure: "mean" })],
    ["sequenceGraph", sequenceGraph(analysis)],
  ] as const;
}

async function captures(): Promise<Array<[string, Analysis]>> {
  const found: Array<[string, Analysis]> = [];
  for (const dir of [publicCapturesDir, fixtureDir]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).filter((n) => /\.pcap(ng)?$/.test(n))) found.push([name, await analyzeCapture(join(dir, name))]);
  }
  return found;
}

test("every chart renders to SVG with marks and without a vega or vega-lite warning", async () => {
  const inputs: Array<[string, Analysis]> = [["synthetic", syntheticAnalysis({ connections: 3, phasesPerConnection: 12 })], ...(await captures())];
  let rendered = 0;
  for (const [source, analysis] of inputs) {
    for (const [name, spec] of allCharts(analysis)) {
      const { value: svg, warnings } = await capturingWarnings(() => renderSvg(spec));
      assert.deepEqual(warnings, [], `${name} of ${source}`);
      assert.match(svg, /^<svg [^>]*width="\d+" height="\d+"/, `${name} of ${source}`);
      assert.match(svg, /class="mark-(rule|rect|symbol|text|line)/, `${name} of ${source} has marks`);
      rendered++;
    }
  }
  assert.ok(rendered >= 7);
});

test("SVGs name a font that exists on Debian, and charts are about 700 px wide", async () => {
  const analysis = syntheticAnalysis({ connections: 1, phasesPerConnection: 8 });
  for (const [name, spec] of allCharts(analysis)) {
    const svg = await renderSvg(spec);
    assert.match(svg, /font-family="DejaVu Sans/, name);
    const width = Number(/width="(\d+)"/.exec(svg)![1]);
    assert.ok(width >= 600 && width <= 760, `${name} is ${width} px wide`);
  }
});

test("renderSvg scales, and rejects a spec that is not vega-lite", async () => {
  const spec = bytesChart(syntheticAnalysis({ connections: 1, phasesPerConnection: 6 }));
  const one = await renderSvg(spec);
  const two = await renderSvg(spec, { scale: 2 });
  const w = (svg: string) => Number(/width="(\d+)"/.exec(svg)![1]);
  assert.equal(w(two), 2 * w(one));
  await assert.rejects(renderSvg({ mark: "no-such-mark", data: { values: [] } }), (error: Error) => error.message.startsWith("vega-lite could not compile the spec: "));
});

test("toVegaLiteV5 rewrites $schema only, on a copy", () => {
  const spec = latencyChart(syntheticAnalysis({ connections: 1, phasesPerConnection: 6 }));
  const v5 = toVegaLiteV5(spec);
  assert.equal(v5.$schema, VEGA_LITE_V5_SCHEMA);
  assert.equal(spec.$schema, "https://vega.github.io/schema/vega-lite/v6.json");
  assert.deepEqual({ ...v5, $schema: spec.$schema }, spec);
});

test("text metrics: DejaVu Sans advance widths, capped at a label limit", () => {
  // DejaVu Sans digits advance 0.636 em; 'i' 0.278 em, 'W' 0.989 em; the mono face 0.602 em.
  assert.equal(textWidth({ fontSize: 10 }, "0"), 6.36);
  assert.ok(Math.abs(textWidth({ fontSize: 11 }, "iW") - 11 * (0.278 + 0.989)) < 1e-9);
  assert.ok(textWidth({ fontSize: 11, fontWeight: "bold" }, "publish") > textWidth({ fontSize: 11 }, "publish"));
  assert.ok(Math.abs(textWidth({ fontSize: 10, font: "DejaVu Sans Mono" }, "abc") - 18.06) < 1e-9);
  assert.equal(vegaTextWidth({ fontSize: 10, limit: 20 }, "a long label that will be cut"), 20);
  assert.equal(vegaTextWidth({ fontSize: 10 }, "  0  "), 6.36, "trimmed as vega trims");
});

test("uniqueIds: ids and their references get a prefix derived from the drawing", () => {
  const svg = `<svg><defs><clipPath id="clip1"><rect/></clipPath></defs><g clip-path="url(#clip1)"><use href="#clip1"/><a href="#other"/></g></svg>`;
  const out = uniqueIds(svg);
  const prefix = /id="(v[0-9a-f]{8}-)clip1"/.exec(out)?.[1];
  assert.ok(prefix, out);
  assert.ok(out.includes(`url(#${prefix}clip1)`) && out.includes(`href="#${prefix}clip1"`));
  assert.ok(out.includes(`href="#other"`), "references to ids outside the SVG are left alone");
  assert.equal(uniqueIds(svg), out, "deterministic");
  assert.notEqual(/id="(v[0-9a-f]{8}-)/.exec(uniqueIds(svg.replace("<rect/>", "<circle/>")))?.[1], prefix);
});

test("text is measured with the same font metrics everywhere vega measures it (one text-width for all vega-scenegraph copies)", async () => {
  // About 250 px in DejaVu Sans at 11 px; vega's own guess (0.8 em a character) would say 400 and cut it at a 300 px limit.
  const text = "device → platform: Publish Message (id=7)";
  const svg = await renderSvg({
    data: { values: [{ t: text }] },
    mark: { type: "text", limit: 300, fontSize: 11, font: "DejaVu Sans" },
    encoding: { text: { field: "t", type: "nominal" } },
  });
  assert.ok(svg.includes(`>${text.replace(">", "&gt;")}</text>`), "not cut");
  const cut = await renderSvg({
    data: { values: [{ t: text }] },
    mark: { type: "text", limit: 150, fontSize: 11, font: "DejaVu Sans" },
    encoding: { text: { field: "t", type: "nominal" } },
  });
  const shown = /<text[^>]*>([^<]*)<\/text>/.exec(cut)![1];
  assert.ok(shown.endsWith("…"));
  assert.ok(textWidth({ fontSize: 11 }, shown) <= 150);
});

test("renderPng: twice the SVG's pixels, white background, the chart's colours drawn", async () => {
  const svg = await renderSvg(phaseTimeline(syntheticAnalysis({ connections: 2, phasesPerConnection: 8 })));
  const width = Number(/width="(\d+)"/.exec(svg)![1]);
  const height = Number(/height="(\d+)"/.exec(svg)![1]);
  const image = await renderPng(svg);
  assert.deepEqual([image.width, image.height, image.displayWidth, image.displayHeight], [width * 2, height * 2, width, height]);
  const pixels = readPng(image.png);
  assert.equal(pixels.width, width * 2);
  const ink = inkIn(pixels);
  assert.ok(ink.ink > ink.total * 0.02, `the chart is drawn (${ink.ink} of ${ink.total} pixels)`);
  assert.ok(ink.coloured > 1000, `phases in colour (${ink.coloured} coloured pixels)`);
  assert.ok(inkIn(pixels, { x: 0, y: 0, width: 4, height: 4 }).ink === 0, "white background");
  assert.equal((await renderPng(svg, { scale: 1 })).width, width);
});

test("renderPng draws text: fonts are found (a chart of text alone is not blank)", async () => {
  // Only a title: every dark pixel is a glyph. resvg draws nothing for text without font files.
  const svg = await renderSvg({ $schema: "https://vega.github.io/schema/vega-lite/v6.json", title: "Connect Command", data: { values: [] }, mark: "point" });
  const ink = inkIn(readPng((await renderPng(svg)).png));
  assert.ok(ink.dark > 200, `title glyphs drawn (${ink.dark} dark pixels)`);
});
