// The committed notebooks as learners see them, in a real browser (headless
// chromium), judged by the screenshot's pixels, not by the HTML:
//
// - the classic Notebook (Debian's jupyter-notebook 6), untrusted: a fresh
//   Jupyter data folder holds no signature, so a committed notebook opens
//   "Not Trusted", where SVG and vega-lite are refused and only images show;
// - `jupyter nbconvert --to html`, whose Debian version strips SVG drawings.
//
// Each chart output's own PNG gives the reference: its phase-coloured pixels,
// row by row, must be found in the screenshot, chart after chart, in order.
// A chart shown as its text line or as an empty box finds next to nothing.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { notebooksDir, writeKernelSpec } from "../../scripts/notebook-jupyter";
import { screenshot } from "../helpers/chromium";
import { assertChartsDrawn } from "../helpers/pixels";
import { needTool } from "../helpers/tools";

const PNG_MIME = "image/png";

/** The notebooks checked, and a window tall enough to show each whole (CSS pixels). */
const viewed = [
  { name: "03-capture-packets", height: 9000 },
  { name: "04-analyze-the-capture", height: 15000 },
];

interface NotebookJson {
  metadata?: Record<string, unknown>;
  cells: Array<{ cell_type: string; outputs?: Array<{ data?: Record<string, unknown> }> }>;
}

/** Every chart's PNG in the notebook's outputs. */
function chartPngs(file: string): Buffer[] {
  const nb = JSON.parse(readFileSync(file, "utf8")) as NotebookJson;
  return nb.cells
    .flatMap((c) => c.outputs ?? [])
    .filter((o) => o.data && typeof o.data[PNG_MIME] === "string")
    .map((o) => Buffer.from(o.data![PNG_MIME] as string, "base64"));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForServer(url: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`the Jupyter server did not answer ${url.replace(/token=\w+/, "token=…")}`);
}

function tools(t: TestContext): { chromium: string; jupyter: string } | undefined {
  const chromium = needTool(t, "chromium");
  const jupyter = chromium && needTool(t, "jupyter-notebook");
  return chromium && jupyter ? { chromium, jupyter } : undefined;
}

test("the classic Notebook shows every chart of an untrusted committed notebook", { timeout: 300_000 }, async (t) => {
  const found = tools(t);
  if (!found) return;
  const dir = mkdtempSync(join(tmpdir(), "iwl-classic-"));
  const served = join(dir, "notebooks");
  mkdirSync(served);
  for (const { name } of viewed) copyFileSync(join(notebooksDir, `${name}.ipynb`), join(served, `${name}.ipynb`));
  // A fresh Jupyter home: no trust database, so nothing is trusted; the tslab kernelspec only.
  const dataDir = writeKernelSpec(join(dir, "kernels-home")) && join(dir, "kernels-home");
  const env = { ...process.env, JUPYTER_PATH: dataDir, JUPYTER_DATA_DIR: join(dir, "data"), JUPYTER_CONFIG_DIR: join(dir, "config"), JUPYTER_RUNTIME_DIR: join(dir, "runtime") };
  const port = await freePort();
  const token = "t" + Math.random().toString(36).slice(2);
  const args = ["--no-browser", "--ip=127.0.0.1", `--port=${port}`, `--NotebookApp.token=${token}`, `--notebook-dir=${served}`, "--NotebookApp.open_browser=False"];
  if (process.getuid?.() === 0) args.push("--allow-root");
  const server = spawn(found.jupyter, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  server.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
  try {
    await waitForServer(`http://127.0.0.1:${port}/api/contents?token=${token}`, Date.now() + 60_000);
    for (const { name, height } of viewed) {
      const nb = JSON.parse(readFileSync(join(served, `${name}.ipynb`), "utf8")) as NotebookJson;
      assert.equal(nb.metadata?.signature, undefined, `${name} carries no trust signature`);
      const shot = join(dir, `${name}-classic.png`);
      const run = screenshot(found.chromium, `http://127.0.0.1:${port}/notebooks/${name}.ipynb?token=${token}`, shot, { dir, width: 1200, height, waitMs: 15_000 });
      assert.equal(run.status, 0, `chromium failed: ${run.stderr.slice(-1500)}`);
      const charts = chartPngs(join(notebooksDir, `${name}.ipynb`));
      assert.ok(charts.length > 0, `${name} has charts with a PNG`);
      if (process.env.IWL_KEEP_SCREENSHOTS) copyFileSync(shot, join(process.env.IWL_KEEP_SCREENSHOTS, `${name}-classic.png`));
      assertChartsDrawn(shot, charts, `${name} in the classic Notebook (untrusted)`);
    }
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\njupyter notebook's log: ${log.slice(-1500)}`, { cause: error });
  } finally {
    // SIGTERM: the server shuts its kernels down before it exits.
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((r) => server.once("exit", r));
      server.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test("nbconvert's HTML shows every chart of a committed notebook", { timeout: 300_000 }, (t) => {
  const chromium = needTool(t, "chromium");
  const nbconvert = chromium && needTool(t, "jupyter-nbconvert");
  if (!chromium || !nbconvert) return;
  const dir = mkdtempSync(join(tmpdir(), "iwl-nbconvert-"));
  try {
    for (const { name, height } of viewed) {
      const convert: SpawnSyncReturns<string> = spawnSync(nbconvert, ["--to", "html", "--output-dir", dir, join(notebooksDir, `${name}.ipynb`)], { encoding: "utf8", timeout: 120_000 });
      assert.equal(convert.status, 0, convert.stderr);
      const shot = join(dir, `${name}-nbconvert.png`);
      const run = screenshot(chromium, `file://${join(dir, `${name}.html`)}`, shot, { dir, width: 1200, height });
      assert.equal(run.status, 0, `chromium failed: ${run.stderr.slice(-1500)}`);
      if (process.env.IWL_KEEP_SCREENSHOTS) copyFileSync(shot, join(process.env.IWL_KEEP_SCREENSHOTS, `${name}-nbconvert.png`));
      assertChartsDrawn(shot, chartPngs(join(notebooksDir, `${name}.ipynb`)), `${name} in nbconvert's HTML`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
