/**
 * `npm run docs:chart`: the README's pictures, rendered from the bundled
 * tutorial capture (data/captures/tutorial.pcapng) with the same chart
 * builders the notebooks use:
 *
 *   docs/flow-graph.svg       every packet of the conversation, device ↔ platform
 *   docs/phase-timeline.svg   the six phases on a time axis
 *
 * The output depends only on the capture and the chart code, so running it
 * again writes the same files.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { analyzeCapture } from "../lib/analysis/analyze";
import { flowGraph } from "../lib/charts/flow-graph";
import { phaseTimeline } from "../lib/charts/phase-timeline";
import { renderSvg } from "../lib/display/render";
import { projectRoot } from "./notebook-jupyter";

export const README_CHARTS_DIR = join(projectRoot, "docs");
export const README_CHARTS = {
  flowGraph: join(README_CHARTS_DIR, "flow-graph.svg"),
  phaseTimeline: join(README_CHARTS_DIR, "phase-timeline.svg"),
} as const;

/** Renders the README's charts into `outDir` (default docs/); returns the files written. */
export async function renderReadmeCharts(outDir: string = README_CHARTS_DIR, capture: string = join(projectRoot, "data", "captures", "tutorial.pcapng")): Promise<string[]> {
  const analysis = await analyzeCapture(capture);
  const charts: Array<[string, object]> = [
    [join(outDir, basename(README_CHARTS.flowGraph)), flowGraph(analysis, { maxArrows: 40 })],
    [join(outDir, basename(README_CHARTS.phaseTimeline)), phaseTimeline(analysis)],
  ];
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const [file, spec] of charts) {
    const svg = await renderSvg(spec);
    writeFileSync(file, svg.endsWith("\n") ? svg : svg + "\n");
    written.push(file);
  }
  return written;
}

if (require.main === module) {
  renderReadmeCharts().then(
    (files) => {
      for (const file of files) console.log(`wrote ${relative(projectRoot, file)}`);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
