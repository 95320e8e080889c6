/**
 * Jupyter for this project only: the tslab kernelspec under `.jupyter/`
 * (found through JUPYTER_PATH, so nothing is written to the user's home),
 * the Python that has nbclient (for executing notebooks), and the frontend
 * to open them with (JupyterLab, else the classic Notebook).
 *
 * Used by scripts/notebook.ts (`npm run notebook`), scripts/notebooks-execute.ts
 * (`npm run notebooks:execute`) and test/notebooks.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { jupyterInstallCommands } from "../lib/workshop/jupyter";

/** The project root: this file runs from dist/scripts/. */
export const projectRoot = resolve(__dirname, "..", "..");
export const notebooksDir = join(projectRoot, "notebooks");
/** The notebooks' Markdown sources (d2l style: the .ipynb files are built from them). */
export const notebookSourcesDir = join(notebooksDir, "src");
/** Project-local Jupyter data folder (git-ignored): kernels/tslab/kernel.json, runtime/. */
export const projectJupyterDir = join(projectRoot, ".jupyter");

/** The committed notebooks' metadata names this kernel. */
export const KERNEL_NAME = "tslab";
export const KERNEL_DISPLAY_NAME = "TypeScript (tslab)";

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
}

/** The kernelspec: this Node, this project's tslab. */
export function kernelSpec(root: string = projectRoot, node: string = process.execPath): KernelSpec {
  return {
    argv: [node, join(root, "node_modules", "tslab", "bin", "tslab"), "kernel", "--config-path", "{connection_file}"],
    display_name: KERNEL_DISPLAY_NAME,
    language: "typescript",
  };
}

/** Writes `<dataDir>/kernels/tslab/kernel.json`; returns the kernel.json path. */
export function writeKernelSpec(dataDir: string = projectJupyterDir, root: string = projectRoot): string {
  const tslab = join(root, "node_modules", "tslab", "bin", "tslab");
  if (!existsSync(tslab)) throw new Error(`tslab is not installed (${tslab} is missing): run npm install first`);
  const dir = join(dataDir, "kernels", KERNEL_NAME);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "kernel.json");
  writeFileSync(file, JSON.stringify(kernelSpec(root), null, 2) + "\n");
  return file;
}

/** The environment Jupyter needs to find the project's kernel (and keep its runtime files in the project). */
export function jupyterEnv(dataDir: string = projectJupyterDir, base: NodeJS.ProcessEnv = process.env, runtimeDir: string = join(dataDir, "runtime")): NodeJS.ProcessEnv {
  const paths = [dataDir, ...(base.JUPYTER_PATH ?? "").split(delimiter).filter((p) => p !== "" && resolve(p) !== resolve(dataDir))];
  return { ...base, JUPYTER_PATH: paths.join(delimiter), JUPYTER_RUNTIME_DIR: runtimeDir };
}

// Finding Jupyter and Python lives in the library (the doctor uses it too).
export { findJupyterFrontend, findNbclientPython, onPath, pythonCandidates, type JupyterFrontend } from "../lib/workshop/jupyter";

/** What to do when no Jupyter is installed: every way in, and VS Code instead. */
export function jupyterMissingHelp(platform: NodeJS.Platform = process.platform): string {
  return [
    "Jupyter is not installed (looked for jupyter-lab and jupyter-notebook on PATH, and for the jupyterlab and notebook modules in " +
      "$IOT_WIRE_LAB_PYTHON, /usr/bin/python3, python3 and python).",
    "",
    "Install one of them, then run `npm run notebook` again:",
    ...jupyterInstallCommands(platform).map((line) => `  ${line}`),
    "",
    "Or use VS Code instead of a browser:",
    "  1. install the Jupyter extension (ms-toolsai.jupyter)",
    "  2. open a notebook in notebooks/ and pick the kernel \"TypeScript (tslab)\" (Select Kernel → Jupyter Kernel…)",
    `     VS Code finds it when JUPYTER_PATH includes ${projectJupyterDir}; or register tslab for your user with \`npx tslab install\``,
    "     (that kernel is called \"TypeScript\"; it works the same).",
  ].join("\n");
}

/** The numbered notebooks (`NN-name.ipynb`) in a folder, in order. */
export function notebookFiles(dir: string = notebooksDir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^\d\d-.+\.ipynb$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/** The notebooks' Markdown sources (`NN-name.md`), in order. */
export function notebookSources(dir: string = notebookSourcesDir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^\d\d-.+\.md$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}
