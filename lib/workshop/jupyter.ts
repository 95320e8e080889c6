/**
 * Finding Jupyter on this machine, and saying how to install it where it is
 * missing. Shared by `npm run notebook` (scripts/notebook.ts), the notebook
 * tests and `iot-wire-lab doctor`.
 *
 * Debian 12 and Ubuntu 23.04+ mark their Python "externally managed" (PEP
 * 668): a plain `pip install jupyterlab` stops with
 * "error: externally-managed-environment". What works there: pipx (one
 * isolated environment per application, its commands on PATH), a virtual
 * environment of one's own, or Debian's own package of the classic Notebook.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

function executable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** An executable on PATH (absolute path), or undefined. */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Pythons worth trying, in order: $IOT_WIRE_LAB_PYTHON, Debian's
 * /usr/bin/python3 (where apt puts Jupyter; a pyenv or venv python3 earlier
 * on PATH often has no Jupyter), then python3 and python on PATH.
 */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const list = [env.IOT_WIRE_LAB_PYTHON, "/usr/bin/python3", onPath("python3", env), onPath("python", env)].filter((p): p is string => !!p && executable(p));
  return [...new Set(list)];
}

function pythonHas(python: string, modules: string[]): boolean {
  const run = spawnSync(python, ["-c", `import ${modules.join(", ")}`], { stdio: "ignore", timeout: 20000 });
  return run.status === 0;
}

/** A Python with nbclient, nbformat and jupyter_client, or undefined. */
export function findNbclientPython(env: NodeJS.ProcessEnv = process.env, candidates: string[] = pythonCandidates(env)): string | undefined {
  return candidates.find((python) => pythonHas(python, ["nbclient", "nbformat", "jupyter_client"]));
}

export interface JupyterFrontend {
  kind: "lab" | "notebook";
  /** Command and arguments (the notebook folder is the working directory). */
  command: string[];
}

/** JupyterLab if installed, else the classic Jupyter Notebook, else undefined. */
export function findJupyterFrontend(env: NodeJS.ProcessEnv = process.env, candidates: string[] = pythonCandidates(env)): JupyterFrontend | undefined {
  const lab = onPath("jupyter-lab", env);
  if (lab) return { kind: "lab", command: [lab] };
  const labPython = candidates.find((python) => pythonHas(python, ["jupyterlab"]));
  if (labPython) return { kind: "lab", command: [labPython, "-m", "jupyterlab"] };
  const notebook = onPath("jupyter-notebook", env);
  if (notebook) return { kind: "notebook", command: [notebook] };
  const notebookPython = candidates.find((python) => pythonHas(python, ["notebook"]));
  if (notebookPython) return { kind: "notebook", command: [notebookPython, "-m", "notebook"] };
  return undefined;
}

/** Where a user's own virtual environment for Jupyter goes in the commands below. */
export const JUPYTER_VENV = "~/.venvs/jupyter";

/**
 * Commands that install Jupyter on this kind of system, one per line, the
 * most direct first. On Debian/Ubuntu no line runs pip against the system's
 * Python (PEP 668 forbids it there).
 */
export function jupyterInstallCommands(platform: NodeJS.Platform = process.platform): string[] {
  if (platform === "win32") {
    return [
      "Windows:        winget install Python.Python.3.12, then in a new terminal: py -m pip install --user jupyterlab",
      "                (or conda install -c conda-forge jupyterlab)",
    ];
  }
  if (platform === "darwin") {
    return ["macOS:          brew install jupyterlab   (or: brew install pipx && pipx install jupyterlab)", "conda:          conda install -c conda-forge jupyterlab"];
  }
  return [
    "Debian 12, Ubuntu 23.04+ (pip refuses the system Python there: \"externally-managed-environment\"):",
    "  pipx:         sudo apt-get install pipx && pipx install jupyterlab && pipx ensurepath",
    "                (open a new terminal afterwards so that ~/.local/bin is on PATH)",
    `  or a venv:    sudo apt-get install python3-venv && python3 -m venv ${JUPYTER_VENV}`,
    `                && ${JUPYTER_VENV}/bin/pip install jupyterlab`,
    `                then: IOT_WIRE_LAB_PYTHON=${JUPYTER_VENV}/bin/python3 npm run notebook`,
    "  or Debian's classic Notebook (no JupyterLab):",
    "                sudo apt-get install jupyter-notebook python3-nbclient jupyter-nbconvert",
    "Older systems:  python3 -m pip install --user jupyterlab",
    "conda:          conda install -c conda-forge jupyterlab",
  ];
}
