/**
 * `npm run notebooks:execute [-- WORD…]`: builds each notebook from its
 * Markdown source (notebooks/src/NN-name.md), executes it in the real tslab
 * kernel through Jupyter's nbclient, and writes it with its outputs to
 * notebooks/NN-name.ipynb, which is what readers see on GitHub.
 *
 * The run is reproducible: IOT_WIRE_LAB_NOTEBOOKS=bundled makes the notebooks
 * replay the recordings in data/captures with fixed seeds and clocks, the lab
 * home is a fresh temporary folder, and the driver drops execution timings,
 * so a second run writes the same files. With words, only the notebooks whose
 * file name contains one of them are executed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { findNbclientPython, jupyterMissingHelp, notebookSources, notebooksDir, projectJupyterDir, projectRoot, writeKernelSpec } from "./notebook-jupyter";
import { reportProblems, runNotebook } from "./notebook-runner";
import { readNotebookSource } from "./notebook-source";

async function main(): Promise<number> {
  const words = process.argv.slice(2);
  const sources = notebookSources().filter((file) => words.length === 0 || words.some((w) => basename(file).includes(w)));
  if (sources.length === 0) {
    console.error(`no notebook sources in ${relative(projectRoot, join(notebooksDir, "src"))}${words.length ? ` match ${words.join(" ")}` : ""}`);
    return 1;
  }
  const python = findNbclientPython();
  if (!python) {
    console.error("notebooks:execute needs a Python with nbclient, nbformat and jupyter_client.\n");
    console.error(jupyterMissingHelp());
    return 1;
  }
  writeKernelSpec(projectJupyterDir);
  const home = mkdtempSync(join(tmpdir(), "iot-wire-lab-notebooks-"));
  // The same outputs on every machine: no public captures (bundled mode would use them only when named), and the home shown as a reader's own.
  const env = { IOT_WIRE_LAB_NOTEBOOKS: "bundled", IOT_WIRE_LAB_SPEED: "1", IOT_WIRE_LAB_HOME: home, IOT_WIRE_LAB_HOME_SHOWN_AS: "./.lab", IOT_WIRE_LAB_PUBLIC_CAPTURES: "" };
  let failed = 0;
  try {
    for (const source of sources) {
      const name = basename(source).replace(/\.md$/, ".ipynb");
      const output = join(notebooksDir, name);
      const started = Date.now();
      const { report } = await runNotebook({ notebook: readNotebookSource(source), output, cwd: notebooksDir, python, jupyterDir: projectJupyterDir, env });
      const problems = reportProblems(report);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (problems.length === 0) {
        console.log(`executed ${relative(projectRoot, output)} (${report.cells.length} code cells, ${seconds} s)`);
      } else {
        failed++;
        console.error(`FAILED ${relative(projectRoot, output)} (${seconds} s):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
      }
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
