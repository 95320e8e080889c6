/**
 * `npm run notebook [-- JUPYTER-ARGS…]`: opens the tutorial notebooks.
 *
 * Registers the tslab kernel for this project only (.jupyter/kernels/tslab,
 * found through JUPYTER_PATH: nothing goes to your home folder), then starts
 * JupyterLab if it is installed, else the classic Jupyter Notebook, in
 * notebooks/. Without Jupyter it says how to install it, and how to use VS
 * Code instead. `--dry-run` prints what it would start.
 */
import { spawn } from "node:child_process";
import { relative } from "node:path";
import { findJupyterFrontend, jupyterEnv, jupyterMissingHelp, KERNEL_DISPLAY_NAME, notebooksDir, projectJupyterDir, projectRoot, writeKernelSpec } from "./notebook-jupyter";

function main(): void {
  const args = process.argv.slice(2);
  const dryRun = args.includes("--dry-run");
  const passThrough = args.filter((a) => a !== "--dry-run");
  const spec = writeKernelSpec(projectJupyterDir);
  console.log(`kernel "${KERNEL_DISPLAY_NAME}" registered for this project: ${relative(projectRoot, spec)}`);
  const frontend = findJupyterFrontend();
  if (!frontend) {
    console.error("\n" + jupyterMissingHelp());
    process.exitCode = 1;
    return;
  }
  const [command, ...base] = frontend.command;
  const env = jupyterEnv(projectJupyterDir);
  const line = [...frontend.command, ...passThrough].join(" ");
  console.log(`starting ${frontend.kind === "lab" ? "JupyterLab" : "Jupyter Notebook"} in ${relative(projectRoot, notebooksDir)}/: ${line}`);
  console.log(`(JUPYTER_PATH=${env.JUPYTER_PATH}; open 01-create-a-device.ipynb first; Ctrl-C stops the server)`);
  if (typeof process.getuid === "function" && process.getuid() === 0 && !passThrough.includes("--allow-root")) {
    console.log("(you are root: Jupyter refuses to run as root unless asked to, with npm run notebook -- --allow-root)");
  }
  if (dryRun) return;
  const child = spawn(command!, [...base, ...passThrough], { cwd: notebooksDir, env, stdio: "inherit" });
  // Ctrl-C reaches Jupyter directly (same process group); it asks for confirmation itself.
  process.on("SIGINT", () => undefined);
  child.once("error", (error) => {
    console.error(`cannot start ${command}: ${error.message}`);
    process.exit(1);
  });
  child.once("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main();
