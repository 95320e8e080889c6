// The plumbing around the notebooks: Markdown sources → cells, the
// project-local tslab kernelspec, finding Jupyter (and saying how to get it),
// `npm run notebook --dry-run`, and the README's chart.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findJupyterFrontend, findNbclientPython, jupyterEnv, jupyterMissingHelp, KERNEL_DISPLAY_NAME, KERNEL_NAME, kernelSpec, notebookFiles, notebookSources, writeKernelSpec } from "../../scripts/notebook-jupyter";
import { notebookFromSource, parseNotebookSource } from "../../scripts/notebook-source";
import { README_CHARTS, renderReadmeCharts } from "../../scripts/render-readme-chart";
import { projectRoot } from "../helpers/fixtures";

test("Markdown sources: ```ts blocks are code cells, headings start Markdown cells, other fences stay", () => {
  const cells = parseNotebookSource(
    ["# Title", "", "Intro.", "", "```ts", "const a = 1;", "a", "```", "", "## Part", "Text with", "```text", "# not a heading", "```", "<!-- cell -->", "More.", "```ts", "check(a);", "```", ""].join("\n"),
  );
  assert.deepEqual(
    cells.map((c) => [c.cell_type, c.source]),
    [
      ["markdown", "# Title\n\nIntro."],
      ["code", "const a = 1;\na"],
      ["markdown", "## Part\nText with\n```text\n# not a heading\n```"],
      ["markdown", "More."],
      ["code", "check(a);"],
    ],
  );
  assert.throws(() => parseNotebookSource("```ts\nopen"), /unclosed/);
  const nb = notebookFromSource("# T\n\n```ts\n1\n```\n", "07-x.md");
  assert.deepEqual(nb.metadata.kernelspec, { display_name: "TypeScript (tslab)", language: "typescript", name: "tslab" });
  assert.deepEqual(nb.cells.map((c) => c.id), ["nb07-001", "nb07-002"]);
});

test("every notebook has a Markdown source, and the other way round", () => {
  const stems = (files: string[]) => files.map((f) => f.split("/").pop()!.replace(/\.(md|ipynb)$/, ""));
  assert.deepEqual(stems(notebookFiles()), stems(notebookSources()));
  assert.deepEqual(stems(notebookSources()), ["01-create-a-device", "02-device-simulator", "03-capture-packets", "04-analyze-the-capture", "05-going-further", "06-tls"]);
});

test("the kernelspec runs this project's tslab with this Node, and Jupyter finds it through JUPYTER_PATH", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "iwl-jupyter-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = writeKernelSpec(dir);
  assert.equal(file, join(dir, "kernels", KERNEL_NAME, "kernel.json"));
  const spec = JSON.parse(readFileSync(file, "utf8")) as ReturnType<typeof kernelSpec>;
  assert.deepEqual(spec.argv, [process.execPath, join(projectRoot, "node_modules", "tslab", "bin", "tslab"), "kernel", "--config-path", "{connection_file}"]);
  assert.equal(spec.display_name, KERNEL_DISPLAY_NAME);
  const env = jupyterEnv(dir, { JUPYTER_PATH: "/elsewhere" });
  assert.equal(env.JUPYTER_PATH, `${dir}:/elsewhere`);
  assert.equal(env.JUPYTER_RUNTIME_DIR, join(dir, "runtime"));
  const python = findNbclientPython();
  if (python) {
    const listed = spawnSync(python, ["-c", "from jupyter_client.kernelspec import KernelSpecManager; import json; print(json.dumps(KernelSpecManager().get_kernel_spec('tslab').to_dict()))"], { env, encoding: "utf8" });
    assert.equal(listed.status, 0, listed.stderr);
    assert.equal((JSON.parse(listed.stdout) as { display_name: string }).display_name, KERNEL_DISPLAY_NAME);
  }
});

test("without Jupyter: nothing found, and the help names apt, pip, conda and VS Code", () => {
  assert.equal(findJupyterFrontend({ PATH: "" }, []), undefined);
  assert.equal(findNbclientPython({ PATH: "" }, []), undefined);
  const help = jupyterMissingHelp();
  for (const needle of ["sudo apt-get install jupyter-notebook python3-nbclient jupyter-nbconvert", "pip install jupyterlab", "conda install -c conda-forge jupyterlab", "VS Code", "TypeScript (tslab)", "npx tslab install"]) {
    assert.ok(help.includes(needle), `help lacks ${needle}`);
  }
});

test("npm run notebook --dry-run registers the kernel and names the frontend it would start", () => {
  const run = spawnSync(process.execPath, [join(projectRoot, "dist", "scripts", "notebook.js"), "--dry-run"], { encoding: "utf8" });
  const out = run.stdout + run.stderr;
  assert.match(out, /kernel "TypeScript \(tslab\)" registered for this project: \.jupyter\/kernels\/tslab\/kernel\.json/);
  if (run.status === 0) assert.match(out, /starting (JupyterLab|Jupyter Notebook) in notebooks\//);
  else assert.match(out, /Jupyter is not installed/);
});

test("the README charts are rendered from the bundled capture, and docs/ holds the current ones", { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "iwl-docs-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const written = await renderReadmeCharts(dir);
  assert.deepEqual(written, [join(dir, "flow-graph.svg"), join(dir, "phase-timeline.svg")]);
  const fresh = written.map((f) => readFileSync(f, "utf8"));
  for (const svg of fresh) assert.match(svg, /^<svg[^>]+width="\d+"/);
  const committed = [README_CHARTS.flowGraph, README_CHARTS.phaseTimeline].map((f) => readFileSync(f, "utf8"));
  assert.ok(fresh[0] === committed[0] && fresh[1] === committed[1], "docs/*.svg are out of date: run npm run docs:chart");
});
