/**
 * Sending a display bundle (several MIME types at once) to the Jupyter
 * frontend from inside a tslab kernel.
 *
 * tslab's public API, `tslab.display.raw(type, value)`, puts exactly one MIME
 * type in each display_data message (node_modules/tslab/dist/public.js). A
 * frontend then has no fallback: JupyterLab would get SVG only, or GitHub a
 * vega-lite spec it cannot draw. The message tslab builds underneath is the
 * general one, `{data: {mime: value, …}, metadata, transient}`, written by
 * `lastWriteDisplayData` in tslab/dist/jupyter.js. tslab replaces that
 * function at every execute request (it is bound to the request's parent
 * header), so it must be read at the moment a cell displays something.
 *
 * We find jupyter.js in Node's module cache instead of `require`-ing
 * "tslab/dist/jupyter": the kernel may run from another tslab installation
 * than the one this package resolves (each copy keeps its own variable, and
 * only the kernel's copy is set), and outside a kernel the require would load
 * tslab's whole TypeScript compiler just to find `null`.
 */

/** What tslab's display writer takes (the content of a display_data message). */
export interface DisplayMessage {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient: Record<string, unknown>;
}

export type DisplayWriter = (message: DisplayMessage, update: boolean) => void;

const TSLAB_JUPYTER = /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/;

/** The running kernel's display writer, or undefined outside a tslab kernel. */
export function kernelDisplayWriter(): DisplayWriter | undefined {
  for (const [path, loaded] of Object.entries(require.cache)) {
    if (!loaded || !TSLAB_JUPYTER.test(path)) continue;
    const writer: unknown = (loaded.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
    if (typeof writer === "function") return writer as DisplayWriter;
  }
  return undefined;
}
