/**
 * Runs one notebook in the real tslab kernel through Jupyter's nbclient
 * (scripts/notebook-run.py) and returns its report: each code cell's reply
 * status and outputs. Shared by `npm run notebooks:execute` and the tests.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jupyterEnv, KERNEL_NAME, projectRoot } from "./notebook-jupyter";
import type { NotebookJson } from "./notebook-source";

export interface OutputReport {
  output_type: string;
  name?: string;
  text?: string;
  mime?: string[];
  ename?: string;
  evalue?: string;
}

export interface CellReport {
  index: number;
  id?: string;
  execution_count: number | null;
  /** The execute_reply status: "ok", "error", "abort" (tslab, after an earlier failure), or null if never run. */
  status: string | null;
  ename?: string | null;
  evalue?: string | null;
  source: string;
  outputs: OutputReport[];
}

export interface NotebookReport {
  notebook: string;
  duration: number;
  /** What stopped the run early (a dead kernel, a timeout), if anything. */
  failure: string | null;
  cells: CellReport[];
}

export interface RunNotebookOptions {
  /** The notebook to run: a file, or a notebook built from its Markdown source. */
  notebook: string | NotebookJson;
  /** Where the executed notebook is written. */
  output: string;
  /** The kernel's working directory (the notebooks folder). */
  cwd: string;
  /** A Python with nbclient (see findNbclientPython). */
  python: string;
  /** The Jupyter data folder holding kernels/tslab/kernel.json. */
  jupyterDir: string;
  /** Extra environment for the kernel (mode, speed, lab home…). */
  env?: NodeJS.ProcessEnv;
  /** Seconds per cell (default 300). */
  timeout?: number;
  /** Receives the driver's stderr as it comes. */
  onStderr?: (text: string) => void;
}

export interface RunNotebookResult {
  report: NotebookReport;
  /** The driver's exit status: 0 all cells ok, 1 some cell failed, 2 not run. */
  exitCode: number;
  stderr: string;
}

export const NOTEBOOK_DRIVER = join(projectRoot, "scripts", "notebook-run.py");

export async function runNotebook(options: RunNotebookOptions): Promise<RunNotebookResult> {
  const work = mkdtempSync(join(tmpdir(), "iot-wire-lab-nb-"));
  try {
    let input: string;
    if (typeof options.notebook === "string") {
      input = options.notebook;
    } else {
      input = join(work, "input.ipynb");
      writeFileSync(input, JSON.stringify(options.notebook, null, 1) + "\n");
    }
    const report = join(work, "report.json");
    const args = [NOTEBOOK_DRIVER, input, "--output", options.output, "--report", report, "--cwd", options.cwd, "--kernel", KERNEL_NAME, "--timeout", String(options.timeout ?? 300)];
    const env = jupyterEnv(options.jupyterDir, { ...process.env, ...options.env }, join(work, "runtime"));
    let stderr = "";
    const exitCode = await new Promise<number>((resolve, reject) => {
      const child = spawn(options.python, args, { env, stdio: ["ignore", "inherit", "pipe"] });
      child.stderr!.setEncoding("utf8");
      child.stderr!.on("data", (text: string) => {
        stderr += text;
        options.onStderr?.(text);
      });
      child.once("error", reject);
      child.once("close", (code) => resolve(code ?? 2));
    });
    let parsed: NotebookReport;
    try {
      parsed = JSON.parse(readFileSync(report, "utf8")) as NotebookReport;
    } catch {
      throw new Error(`the notebook driver wrote no report (exit ${exitCode}):\n${stderr.trim()}`);
    }
    return { report: parsed, exitCode, stderr };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Every problem a report shows: failed or aborted cells, error outputs, anything on stderr. */
export function reportProblems(report: NotebookReport, options: { allowStderr?: (text: string, cell: CellReport) => boolean } = {}): string[] {
  const problems: string[] = [];
  if (report.failure) problems.push(`the run stopped: ${report.failure}`);
  for (const cell of report.cells) {
    const where = `cell ${cell.index} (${cell.source.split("\n")[0]!.slice(0, 60)})`;
    if (cell.status !== "ok") problems.push(`${where}: execute_reply status ${JSON.stringify(cell.status)}${cell.evalue ? `: ${cell.ename}: ${cell.evalue}` : ""}`);
    for (const output of cell.outputs) {
      if (output.output_type === "error") problems.push(`${where}: error output ${output.ename}: ${output.evalue}`);
      if (output.output_type === "stream" && output.name === "stderr" && (output.text ?? "").trim() !== "" && !(options.allowStderr?.(output.text ?? "", cell) ?? false)) {
        problems.push(`${where}: wrote to stderr: ${(output.text ?? "").trim().slice(0, 400)}`);
      }
    }
  }
  return problems;
}
