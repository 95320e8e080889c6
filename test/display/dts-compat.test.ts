// The package's public declarations as a notebook sees them. tslab 1.0.22
// type-checks cells with its own TypeScript 5.0 (@tslab/typescript-for-tslab),
// resolving modules with Node10 rules and skipLibCheck on: a declaration it
// cannot read does not fail, it silently becomes `any`, and the notebook loses
// its types. So this test compiles a small notebook-like program against
// dist/lib/index.d.ts with that compiler and tslab's options, but with
// skipLibCheck off, and fails on any diagnostic. It also checks that the key
// types are not `any`, and that a wrong use is reported (the check is real).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../helpers/fixtures";

/** The part of the TypeScript API this test uses (tslab's copy has no types we can import from here). */
interface Ts {
  version: string;
  ModuleKind: { ESNext: number };
  ModuleResolutionKind: { NodeJs: number };
  ScriptTarget: { ES2022: number };
  createProgram(files: string[], options: Record<string, unknown>): { getSourceFiles(): Array<{ fileName: string }> };
  getPreEmitDiagnostics(program: unknown): Array<{ file?: { fileName: string; getLineAndCharacterOfPosition(p: number): { line: number } }; start?: number; messageText: unknown }>;
  flattenDiagnosticMessageText(text: unknown, newline: string): string;
}

const tslabTs = join(projectRoot, "node_modules", "@tslab", "typescript-for-tslab");
const declarations = join(projectRoot, "dist", "lib", "index.d.ts");

const notebook = `
import { analyzeCapture, streamCapture, show, showTable, chartBundle, renderSvg, flowGraph, phaseTimeline, latencyChart, bytesChart, sequenceGraph,
  writeReport, buildReport, packetColumns, phaseColumns, phaseColors, describePhase, formatDuration, messageOf, isMessage, type Analysis, type ChartSpec, type DisplayBundle, type Phase } from "iot-wire-lab";

type IsAny<T> = 0 extends 1 & T ? true : false;
const analysisIsTyped: IsAny<Analysis> = false;
const specIsTyped: IsAny<ChartSpec> = false;
const bundleIsTyped: IsAny<DisplayBundle> = false;
const phaseIsTyped: IsAny<Phase> = false;

async function cell(): Promise<void> {
  const analysis = await analyzeCapture("tutorial.pcapng", { redactPasswords: true });
  const frames: number = analysis.packets.length + analysis.phases.length;
  const spec = flowGraph(analysis, { stream: 0, from: 0, to: 10, maxArrows: 40 });
  spec.width = 900;
  const description: string = spec.description;
  await show(spec);
  await show(phaseTimeline(analysis, { maxConnections: 5 }));
  await show(latencyChart(analysis, { mode: "distribution" }));
  await show(bytesChart(analysis, { measure: "mean" }));
  await show(sequenceGraph(analysis, { stream: 0 }));
  const bundle = await chartBundle(spec);
  const svg: string = await renderSvg(spec, { scale: 2 });
  showTable(analysis.packets, packetColumns, { maxRows: 50 });
  showTable(analysis.phases, phaseColumns);
  showTable(analysis.issues);
  // MqttMessage is a union keyed on type: a phase's CONNECT narrows to one whose clientId is a string.
  const clientId: string = messageOf(analysis, analysis.phases[0], "CONNECT").clientId;
  const granted: number[] = messageOf(analysis, analysis.phases[1], "SUBACK").granted;
  const topics: string[] = analysis.messages.flatMap((m) => (isMessage(m, "PUBLISH") ? [m.topic] : []));
  const color: string = phaseColors.publish;
  const line: string = describePhase(analysis.phases[0]) + formatDuration(0.001);
  await writeReport(analysis, "report.html", { title: "Tutorial", maxPackets: 100 });
  const { html } = await buildReport(analysis);
  for await (const event of streamCapture("tutorial.pcapng")) if (event.kind === "phase") void event.phase.kind;
  void [frames, description, bundle.data, svg, color, line, html, analysisIsTyped, specIsTyped, bundleIsTyped, phaseIsTyped];
}
void cell();
`;

function compile(ts: Ts, dir: string, source: string): { messages: string[]; files: string[] } {
  const file = join(dir, "cell.ts");
  writeFileSync(file, source);
  // tslab's compiler options (node_modules/tslab/dist/converter.js), except skipLibCheck.
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.NodeJs,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts"],
    esModuleInterop: true,
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: ["node"],
    typeRoots: [join(projectRoot, "node_modules", "@types")],
  });
  const messages = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : "";
    return where + ts.flattenDiagnosticMessageText(d.messageText, "\n");
  });
  return { messages, files: program.getSourceFiles().map((f) => f.fileName) };
}

function withPackage<T>(body: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "iwl-dts-"));
  try {
    // The package installed by name, as a notebook folder beside the project would see it.
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(projectRoot, join(dir, "node_modules", "iot-wire-lab"), "dir");
    return body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the public .d.ts compiles cleanly with tslab's TypeScript 5.0 and Node10 resolution", (t) => {
  if (!existsSync(tslabTs)) return t.skip("tslab is not installed (npm ci)");
  assert.ok(existsSync(declarations), `${declarations} is missing: build first (npm test builds)`);
  const ts = require(tslabTs) as Ts;
  assert.match(ts.version, /^5\.0\./, "tslab 1.0.22 bundles TypeScript 5.0");
  withPackage((dir) => {
    const { messages, files } = compile(ts, dir, notebook);
    assert.deepEqual(messages, []);
    for (const part of ["lib/index.d.ts", "lib/charts/flow-graph.d.ts", "lib/display/show.d.ts", "lib/report/report.d.ts"]) {
      assert.ok(
        files.some((f) => f.endsWith(`dist/${part}`)),
        `dist/${part} was read`,
      );
    }
    // Nothing public may pull in vega or vega-lite types (see lib/charts/spec.ts).
    assert.ok(!files.some((f) => /node_modules\/vega(-lite)?\//.test(f)), "no vega types reached");
  });
});

test("a wrong use of the typed API is reported, so the clean result above means something", (t) => {
  if (!existsSync(tslabTs)) return t.skip("tslab is not installed (npm ci)");
  const ts = require(tslabTs) as Ts;
  withPackage((dir) => {
    const { messages } = compile(
      ts,
      dir,
      `import { flowGraph, showTable, packetColumns, type Analysis } from "iot-wire-lab";
declare const analysis: Analysis;
const n: number = flowGraph(analysis);
showTable(analysis.phases, packetColumns);
flowGraph(analysis, { maxArows: 3 });
`,
    );
    assert.equal(messages.length, 3, messages.join("\n"));
    assert.match(messages[0], /cell\.ts:3: Type 'ChartSpec' is not assignable to type 'number'/);
    assert.match(messages[1], /cell\.ts:4: /);
    assert.match(messages[2], /cell\.ts:5: .*maxArows/);
  });
});

test("the lab and notebook entry points resolve by package name under tslab's Node10 rules, typed", (t) => {
  if (!existsSync(tslabTs)) return t.skip("tslab is not installed (npm ci)");
  const ts = require(tslabTs) as Ts;
  withPackage((dir) => {
    const { messages, files } = compile(
      ts,
      dir,
      `import { analyzeCapture, type Analysis } from "iot-wire-lab";
import { DeviceRegistry, startCapture, simulate, matchDeviceLog, type LiveCapture, type Platform, type SimulatorEvent } from "iot-wire-lab/lab";
import { notebookLab, checkExercise, type NotebookLab } from "iot-wire-lab/notebook";

type IsAny<T> = 0 extends 1 & T ? true : false;
const typed: [IsAny<LiveCapture>, IsAny<Platform>, IsAny<SimulatorEvent>, IsAny<NotebookLab>, IsAny<DeviceRegistry>] = [false, false, false, false, false];

async function cell(): Promise<void> {
  const lab: NotebookLab = notebookLab();
  const capture: LiveCapture = await startCapture({ port: 1883 });
  const analysis: Analysis = await analyzeCapture((await capture.stop()).file);
  const matches: number = matchDeviceLog(analysis, []).length;
  const run = simulate({ speed: lab.speed });
  checkExercise("04-device-port", 1883, analysis);
  void [typed, matches, run];
}
void cell();
`,
    );
    assert.deepEqual(messages, []);
    for (const part of ["lib/lab/index.d.ts", "lib/notebook/index.d.ts", "lib/live/capture.d.ts"]) assert.ok(files.some((f) => f.endsWith(`dist/${part}`)), `dist/${part} was read`);
  });
});
