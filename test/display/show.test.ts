import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { flowGraph } from "../../lib/charts/flow-graph";
import { phaseTimeline } from "../../lib/charts/phase-timeline";
import { kernelDisplayWriter, type DisplayMessage } from "../../lib/display/kernel";
import { PNG } from "pngjs";
import { renderSvg, VEGA_LITE_V5_SCHEMA } from "../../lib/display/render";
import { chartBundle, describeSpec, show, showTable, VEGA_LITE_V5_MIME } from "../../lib/display/show";
import { syntheticAnalysis } from "../charts/synthetic";

// A stand-in for a running tslab kernel: its display module as Node's module
// cache holds it (tslab/dist/jupyter.js, whose lastWriteDisplayData tslab
// sets for each cell it runs).
const fakePath = "/opt/kernel/node_modules/tslab/dist/jupyter.js";

function fakeKernel(writer: ((message: DisplayMessage, update: boolean) => void) | null): { exports: { lastWriteDisplayData: unknown } } {
  const entry = { id: fakePath, filename: fakePath, loaded: true, exports: { lastWriteDisplayData: writer as unknown }, children: [], paths: [] };
  require.cache[fakePath] = entry as unknown as NodeModule;
  return entry;
}

afterEach(() => {
  delete require.cache[fakePath];
});

const analysis = syntheticAnalysis({ connections: 1, phasesPerConnection: 8 });

test("chartBundle: vega-lite v5 spec, a headless 2x PNG and a one-line text/plain, in one bundle", async () => {
  const spec = flowGraph(analysis);
  const bundle = await chartBundle(spec);
  // No SVG: nbconvert would pick it over the PNG and strip it to an empty box.
  assert.deepEqual(Object.keys(bundle.data).sort(), ["application/vnd.vegalite.v5+json", "image/png", "text/plain"]);
  const vl = bundle.data[VEGA_LITE_V5_MIME] as Record<string, unknown>;
  assert.equal(vl.$schema, VEGA_LITE_V5_SCHEMA);
  assert.deepEqual(vl.layer, spec.layer);
  assert.equal(spec.$schema, "https://vega.github.io/schema/vega-lite/v6.json", "the caller's spec is untouched");
  const png = PNG.sync.read(Buffer.from(bundle.data["image/png"] as string, "base64"));
  const shownAt = bundle.metadata["image/png"] as { width: number; height: number };
  const svg = await renderSvg(spec);
  assert.deepEqual(shownAt, { width: Number(/width="(\d+)"/.exec(svg)![1]), height: Number(/height="(\d+)"/.exec(svg)![1]) }, "shown at the SVG's size");
  assert.equal(png.width, shownAt.width * 2, "twice the pixels, for sharp slides");
  assert.equal(png.height, shownAt.height * 2);
  const text = bundle.data["text/plain"] as string;
  assert.equal(text, spec.description);
  assert.ok(!text.includes("\n"));
});

test("describeSpec falls back to the title, then to a generic name", () => {
  assert.equal(describeSpec({ title: { text: "Latency" } }), "Latency");
  assert.equal(describeSpec({ title: "Bytes\nper phase" }), "Bytes per phase");
  assert.equal(describeSpec({ mark: "bar" }), "vega-lite chart");
});

test("show outside a kernel returns the bundle and prints the text line", async () => {
  assert.equal(kernelDisplayWriter(), undefined);
  const printed: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => printed.push(args.join(" "));
  let bundle;
  try {
    bundle = await show(phaseTimeline(analysis));
  } finally {
    console.log = log;
  }
  assert.ok(bundle);
  assert.deepEqual(printed, [bundle.data["text/plain"]]);
  assert.ok(await show(phaseTimeline(analysis), { print: false }));
});

test("show in a kernel sends one display_data with all three MIME types and returns nothing", async () => {
  const sent: Array<{ message: DisplayMessage; update: boolean }> = [];
  fakeKernel((message, update) => sent.push({ message, update }));
  const result = await show(flowGraph(analysis));
  assert.equal(result, undefined, "tslab would print a returned value under the chart");
  assert.equal(sent.length, 1);
  assert.equal(sent[0].update, false);
  assert.deepEqual(Object.keys(sent[0].message.data).sort(), ["application/vnd.vegalite.v5+json", "image/png", "text/plain"]);
  assert.deepEqual(sent[0].message.transient, {});
});

test("show writes to the cell that called it, even if the kernel has moved on when the SVG is ready", async () => {
  const first: DisplayMessage[] = [];
  const second: DisplayMessage[] = [];
  const kernel = fakeKernel((m) => first.push(m));
  const pending = show(flowGraph(analysis));
  // tslab rebinds the writer when the next cell starts.
  kernel.exports.lastWriteDisplayData = (m: DisplayMessage) => second.push(m);
  await pending;
  assert.equal(first.length, 1);
  assert.equal(second.length, 0);
});

test("a tslab display module that is loaded but idle (writer null) counts as no kernel", async () => {
  fakeKernel(null);
  assert.equal(kernelDisplayWriter(), undefined);
  assert.ok(await show(flowGraph(analysis), { print: false }));
});

test("showTable in a kernel sends HTML and a text table", () => {
  const sent: DisplayMessage[] = [];
  fakeKernel((m) => sent.push(m));
  assert.equal(showTable(analysis.phases), undefined);
  assert.equal(sent.length, 1);
  assert.deepEqual(Object.keys(sent[0].data).sort(), ["text/html", "text/plain"]);
  assert.match(sent[0].data["text/plain"] as string, /^Stream {2}Phase/);
});
