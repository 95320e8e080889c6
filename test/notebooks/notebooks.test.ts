// The tutorial notebooks, executed for real: every notebook runs top to bottom
// in the tslab kernel through Jupyter's nbclient (scripts/notebook-run.py), in
// live mode (CI runs as root, so notebook 3 really captures; elsewhere each
// notebook falls back and says so), at speed 10. A notebook fails on any
// error output, on any cell whose execute_reply is "error" or "abort" (tslab
// answers "abort" to every cell after a failed one, which nbclient alone
// counts as a success), and on anything written to stderr (tslab prints
// compile errors there). Each notebook must draw its charts, and no output
// may contain a deviceSecret.
//
// The committed notebooks are checked too: built from their Markdown
// sources, executed (every code cell has outputs), and free of errors,
// volatile metadata, secrets and machine-specific paths.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { DeviceRegistry } from "../../lib/device/registry";
import { notebookLab } from "../../lib/notebook/lab";
import { findNbclientPython, notebookFiles, notebookSources, notebooksDir, writeKernelSpec } from "../../scripts/notebook-jupyter";
import { reportProblems, runNotebook, type NotebookReport } from "../../scripts/notebook-runner";
import { cellSource, notebookFromSource, readNotebookSource } from "../../scripts/notebook-source";
import { projectRoot } from "../helpers/fixtures";
import { inCI, needTool } from "../helpers/tools";

const VEGA_LITE = "application/vnd.vegalite.v5+json";
const PNG = "image/png";

/** Charts (vega-lite + PNG in one output) each notebook must draw, at least. */
const expectedCharts: Record<string, number> = {
  "01-create-a-device": 0,
  "02-device-simulator": 1,
  "03-capture-packets": 2,
  "04-analyze-the-capture": 8,
  "05-going-further": 9,
  "06-tls": 4,
};

const demoRegistry = join(projectRoot, "data", "captures", "demo-registry.json");

function secretsOf(...registries: string[]): string[] {
  return registries.filter((file) => existsSync(file)).flatMap((file) => DeviceRegistry.load(file).list().map((d) => d.deviceSecret));
}

/** The device notebook 1 creates in bundled mode (seeded), whose secret must not appear either. */
function bundledSeedSecret(): string {
  const lab = notebookLab({ env: { IOT_WIRE_LAB_NOTEBOOKS: "bundled" }, cwd: notebooksDir });
  return DeviceRegistry.inMemory().getOrCreate({ deviceName: "my-sensor", random: lab.random }).device.deviceSecret;
}

function leakedSecrets(text: string, secrets: readonly string[]): string[] {
  const lower = text.toLowerCase();
  return secrets.filter((secret) => lower.includes(secret.toLowerCase()));
}

function chartCount(report: NotebookReport): number {
  return report.cells.flatMap((c) => c.outputs).filter((o) => o.mime?.includes(VEGA_LITE) && o.mime.includes(PNG)).length;
}

/** Nbclient, nbformat and jupyter_client (Debian: python3-nbclient), or a skip (a failure in CI). */
function needJupyter(t: TestContext): string | undefined {
  if (!needTool(t, "jupyter-nbconvert")) return undefined;
  const python = findNbclientPython();
  if (python) return python;
  const message = "no Python with nbclient found (sudo apt-get install python3-nbclient, or set IOT_WIRE_LAB_PYTHON)";
  if (inCI) assert.fail(message);
  t.skip(message);
  return undefined;
}

function tempDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("a failed cell is caught even though tslab answers the rest with abort", { timeout: 60_000 }, async (t) => {
  const python = needJupyter(t);
  if (!python) return;
  const jupyterDir = tempDir(t, "iwl-nb-kernel-");
  writeKernelSpec(jupyterDir);
  const out = tempDir(t, "iwl-nb-out-");
  const notebook = notebookFromSource(["```ts", 'const n: number = "not a number";', "```", "", "```ts", "console.log(1 + 1);", "```", "", "```ts", 'throw new Error("boom");', "```"].join("\n"), "00-broken.md");
  const { report, exitCode } = await runNotebook({ notebook, output: join(out, "broken.ipynb"), cwd: notebooksDir, python, jupyterDir, timeout: 60 });
  assert.equal(exitCode, 1);
  assert.deepEqual(report.cells.map((c) => c.status), ["error", "abort", "abort"]);
  const problems = reportProblems(report);
  assert.ok(problems.some((p) => /status "abort"/.test(p)), problems.join("\n"));
  assert.ok(problems.some((p) => /stderr: .*not assignable to type 'number'/.test(p)), problems.join("\n"));

  // A runtime error (not a compile error) is caught the same way.
  const thrown = notebookFromSource("```ts\nthrow new Error(\"boom\");\n```\n", "00-thrown.md");
  const second = await runNotebook({ notebook: thrown, output: join(out, "thrown.ipynb"), cwd: notebooksDir, python, jupyterDir, timeout: 60 });
  assert.deepEqual(second.report.cells.map((c) => c.status), ["error"]);
  assert.ok(reportProblems(second.report).some((p) => /boom/.test(p)));
});

test("every notebook runs top to bottom in the real kernel (live where possible), draws its charts and prints no secret", { timeout: 240_000 }, async (t) => {
  const python = needJupyter(t);
  if (!python) return;
  const jupyterDir = tempDir(t, "iwl-nb-kernel-");
  writeKernelSpec(jupyterDir);
  const home = tempDir(t, "iwl-nb-home-");
  const out = tempDir(t, "iwl-nb-out-");
  const env = { IOT_WIRE_LAB_NOTEBOOKS: "live", IOT_WIRE_LAB_SPEED: "10", IOT_WIRE_LAB_HOME: home };
  const sources = notebookSources();
  assert.equal(sources.length, 6);
  const executed: string[] = [];
  // In order: notebook 4 reads the capture notebook 3 saved.
  for (const source of sources) {
    const name = basename(source, ".md");
    await t.test(name, { timeout: 120_000 }, async () => {
      const output = join(out, `${name}.ipynb`);
      const { report } = await runNotebook({ notebook: readNotebookSource(source), output, cwd: notebooksDir, python, jupyterDir, env, timeout: 120 });
      executed.push(output);
      assert.deepEqual(reportProblems(report), []);
      for (const cell of report.cells) assert.ok(cell.outputs.length > 0, `${name}: cell ${cell.index} printed nothing: ${cell.source.split("\n")[0]}`);
      const charts = chartCount(report);
      assert.ok(charts >= expectedCharts[name]!, `${name}: ${charts} charts, expected at least ${expectedCharts[name]}`);
      assert.ok(report.cells.some((c) => c.outputs.some((o) => o.mime?.includes("text/html"))), `${name}: no table`);
      const text = JSON.stringify(report.cells.map((c) => c.outputs));
      if (name === "03-capture-packets") assert.match(text, /is recording: |No live capture here/, "notebook 3 must say whether it captured");
      if (name === "04-analyze-the-capture") assert.match(text, /Using the capture notebook 03 recorded|Using the bundled capture|could not capture live/);
    });
  }
  const secrets = [...secretsOf(join(home, "registry.json"), demoRegistry), bundledSeedSecret()];
  assert.ok(secrets.length >= 8, `only ${secrets.length} secrets collected`);
  for (const file of executed) {
    const nb = JSON.parse(readFileSync(file, "utf8")) as { cells: Array<{ outputs?: unknown[] }> };
    const leaked = leakedSecrets(JSON.stringify(nb.cells.map((c) => c.outputs ?? [])), secrets);
    assert.deepEqual(leaked.map((s) => `${s.slice(0, 4)}…`), [], `${basename(file)} prints a deviceSecret`);
  }
});

test("the committed notebooks: built from their sources, executed, without errors, secrets or machine paths", () => {
  const files = notebookFiles();
  assert.equal(files.length, 6, "run npm run notebooks:execute");
  const secrets = [...secretsOf(demoRegistry), bundledSeedSecret()];
  for (const file of files) {
    const name = basename(file, ".ipynb");
    const nb = JSON.parse(readFileSync(file, "utf8")) as {
      metadata: { kernelspec?: { name?: string; display_name?: string } };
      cells: Array<{ cell_type: string; source: unknown; execution_count?: number | null; metadata?: Record<string, unknown>; outputs?: Array<Record<string, unknown>> }>;
    };
    assert.equal(nb.metadata.kernelspec?.name, "tslab", `${name}: kernelspec`);
    assert.equal(nb.metadata.kernelspec?.display_name, "TypeScript (tslab)", `${name}: kernelspec display name`);
    const source = readNotebookSource(join(notebooksDir, "src", `${name}.md`));
    const committed = nb.cells.map((c) => `${c.cell_type}: ${cellSource(c)}`);
    const built = source.cells.map((c) => `${c.cell_type}: ${cellSource(c)}`);
    const differs = committed.findIndex((cell, i) => cell !== built[i]);
    const first = differs >= 0 ? differs : committed.length !== built.length ? Math.min(committed.length, built.length) : -1;
    assert.equal(
      first,
      -1,
      `${name}.ipynb differs from src/${name}.md at cell ${first + 1} (the .ipynb has ${JSON.stringify((committed[first] ?? "nothing").slice(0, 120))}, ` +
        `the Markdown ${JSON.stringify((built[first] ?? "nothing").slice(0, 120))}): edit the Markdown, then npm run notebooks:execute`,
    );
    const code = nb.cells.filter((c) => c.cell_type === "code");
    assert.deepEqual(
      code.map((c) => c.execution_count),
      code.map((_, i) => i + 1),
      `${name}: not executed in order`,
    );
    let charts = 0;
    for (const [i, cell] of code.entries()) {
      const outputs = cell.outputs ?? [];
      const where = `${name} code cell ${i + 1} (${cellSource(cell).split("\n")[0]})`;
      assert.ok(outputs.length > 0, `${where}: no outputs`);
      assert.equal(cell.metadata?.execution, undefined, `${where}: volatile execution metadata`);
      for (const output of outputs) {
        assert.notEqual(output.output_type, "error", `${where}: error output`);
        assert.ok(!(output.output_type === "stream" && output.name === "stderr"), `${where}: stderr output ${JSON.stringify(output.text)}`);
        const data = output.data as Record<string, unknown> | undefined;
        if (data && VEGA_LITE in data && PNG in data) charts++;
      }
    }
    assert.ok(charts >= expectedCharts[name]!, `${name}: ${charts} charts committed, expected at least ${expectedCharts[name]}`);
    const outputs = JSON.stringify(nb.cells.map((c) => c.outputs ?? []));
    assert.deepEqual(leakedSecrets(outputs, secrets).map((s) => `${s.slice(0, 4)}…`), [], `${name} prints a deviceSecret`);
    for (const path of [projectRoot, tmpdir() + "/"]) assert.ok(!outputs.includes(path), `${name}: an output names ${path}, which differs between machines`);
    assert.ok(!outputs.includes("$IOT_WIRE_LAB_HOME"), `${name}: an output names $IOT_WIRE_LAB_HOME, not the ./.lab a reader gets`);
    assert.ok(!/running as root|CAP_NET_RAW in this process/.test(outputs), `${name}: an output describes the capture rights of the machine that executed it`);
  }
});
