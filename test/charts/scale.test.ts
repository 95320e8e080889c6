// The chart builders on a fleet-sized analysis: 1,000 connections, about
// 1,000,000 packets and 500,000 phases. Each must hand vega-lite a small
// dataset (binned or capped), whatever the input size. How long they take is
// measured by `npm run bench` (charts at scale), not asserted here.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import type { Analysis } from "../../lib/analysis/types";
import { bytesChart } from "../../lib/charts/bytes-chart";
import { flowGraph } from "../../lib/charts/flow-graph";
import { latencyChart } from "../../lib/charts/latency-chart";
import { phaseTimeline } from "../../lib/charts/phase-timeline";
import { sequenceGraph } from "../../lib/charts/sequence-graph";
import { chartDataRows, type ChartSpec } from "../../lib/charts/spec";
import { renderSvg } from "../../lib/display/render";
import { syntheticAnalysis } from "./synthetic";

const MAX_ROWS = 5000;

let fleet: Analysis;

before(() => {
  fleet = syntheticAnalysis({ connections: 1000, phasesPerConnection: 500 });
});

test("the synthetic fleet has the intended size", () => {
  assert.ok(fleet.packets.length >= 1_000_000, `${fleet.packets.length} packets`);
  assert.equal(fleet.phases.length, 500_000);
});

const cases: Array<[string, () => ChartSpec]> = [
  ["flowGraph", () => flowGraph(fleet)],
  ["flowGraph of one connection", () => flowGraph(fleet, { stream: 777, maxArrows: 2000 })],
  ["phaseTimeline", () => phaseTimeline(fleet)],
  ["phaseTimeline in connections mode", () => phaseTimeline(fleet, { mode: "connections" })],
  ["latencyChart", () => latencyChart(fleet)],
  ["latencyChart forced to points", () => latencyChart(fleet, { mode: "points" })],
  ["bytesChart", () => bytesChart(fleet)],
  ["sequenceGraph", () => sequenceGraph(fleet, { stream: 3 })],
  ["sequenceGraph binned", () => sequenceGraph(fleet, { stream: 999, maxPoints: 200 })],
];

for (const [name, build] of cases) {
  test(`${name}: embeds fewer than ${MAX_ROWS} rows`, async () => {
    const spec = build();
    const rows = chartDataRows(spec);
    assert.ok(rows > 0 && rows < MAX_ROWS, `${name}: ${rows} rows`);
    // And it still draws (a small spec renders in well under a second).
    const svg = await renderSvg(spec);
    assert.ok(svg.startsWith("<svg"), name);
  });
}

test("latencyChart in points mode samples the dots evenly and says so", () => {
  const spec = latencyChart(fleet, { mode: "points", maxPoints: 1000 });
  const title = spec.title as { subtitle: string[] };
  assert.match(title.subtitle.join(" "), /dots: 1,00\d of 498,000 measurements/);
  assert.ok(chartDataRows(spec) < 1100);
});
