/**
 * Headless rendering: vega-lite spec → vega spec → SVG text, in Node, with no
 * browser and no canvas; then SVG → PNG with resvg (a Rust rasteriser whose
 * npm package ships prebuilt binaries, no install script), for the viewers
 * that show images only.
 *
 * vega and vega-lite 6 are ES modules only, and vega-canvas (which vega
 * loads) has a top-level await, so `require("vega-lite")` fails with
 * ERR_REQUIRE_ASYNC_MODULE on Node 20. This file is compiled as CommonJS
 * with module node16, which keeps `import()` a real dynamic import, so the
 * library can load them where a notebook cell (compiled by tslab to
 * `require`) cannot.
 *
 * `renderer: "none"` builds the scenegraph without drawing; `toSVG()` then
 * serialises it. Without the optional `canvas` package vega cannot measure
 * text, so we give it the metrics of the fonts every chart names (DejaVu,
 * present on Debian: ../charts/spec.ts CHART_FONT, ../charts/text-metrics.ts).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CHART_FONT } from "../charts/spec";
import { vegaTextWidth } from "../charts/text-metrics";

/**
 * Every copy of vega-scenegraph that vega's packages load. vega 6.2.0 pins
 * vega-scenegraph ~5.1.0 while vega-view, vega-parser, vega-functions and
 * vega-label ask for ^5.2, so npm installs several copies, each with its own
 * `textMetrics`: the one vega re-exports sizes marks, the one under vega-view
 * cuts text to its limit as the SVG is written. All of them must measure the
 * same way, or a label fits by one measure and is cut by the other.
 */
function scenegraphCopies(): string[] {
  const copies = new Set<string>();
  const visited = new Set<string>();
  const queue: Array<[name: string, from: string]> = [["vega", __dirname]];
  while (queue.length > 0) {
    const [name, from] = queue.shift()!;
    let entry: string;
    try {
      entry = require.resolve(name, { paths: [from] });
    } catch {
      continue;
    }
    const marker = `${join("node_modules", name)}`;
    const dir = entry.slice(0, entry.lastIndexOf(marker) + marker.length);
    if (visited.has(dir)) continue;
    visited.add(dir);
    if (name === "vega-scenegraph") {
      copies.add(entry);
      continue;
    }
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    for (const dependency of Object.keys(manifest.dependencies ?? {})) if (dependency.startsWith("vega")) queue.push([dependency, dir]);
  }
  return [...copies];
}

async function importVega() {
  const [vegaLite, vega] = await Promise.all([import("vega-lite"), import("vega")]);
  // Real font metrics instead of vega's 0.8 em per character guess (see
  // ../charts/text-metrics), in every copy of vega-scenegraph. This sets
  // vega's module-wide text measure for every view in this process; it only
  // matters where no canvas is installed.
  const scenegraphs = await Promise.all(scenegraphCopies().map((file) => import(pathToFileURL(file).href) as Promise<{ textMetrics?: { width: unknown } }>));
  // (vega-typings does not declare textMetrics; vega-scenegraph exports it.)
  for (const scenegraph of [vega as unknown as { textMetrics?: { width: unknown } }, ...scenegraphs]) {
    if (scenegraph.textMetrics) scenegraph.textMetrics.width = vegaTextWidth;
  }
  return { vegaLite, vega };
}

let loading: ReturnType<typeof importVega> | undefined;

/** Loads vega-lite and vega once per process. */
function loadVega(): ReturnType<typeof importVega> {
  loading ??= importVega().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

export interface RenderOptions {
  /** Multiply the SVG's width and height (default 1). */
  scale?: number;
}

/** The vega-lite v5 schema URL, which JupyterLab 4 and VS Code render (they have no v6 renderer). */
export const VEGA_LITE_V5_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/**
 * The spec as Jupyter's vega-lite v5 renderer expects it: the same JSON with
 * `$schema` pointing at v5. The charts use only features that v5 draws the
 * same way, so nothing else changes.
 */
export function toVegaLiteV5(spec: object): Record<string, unknown> {
  return { ...(spec as Record<string, unknown>), $schema: VEGA_LITE_V5_SCHEMA };
}

/** Renders a vega-lite spec to SVG text. Throws when vega-lite cannot compile the spec. */
export async function renderSvg(spec: object, options: RenderOptions = {}): Promise<string> {
  const { vegaLite, vega } = await loadVega();
  // The spec's own config wins; the font only fills in when it names none.
  let compiled;
  try {
    compiled = vegaLite.compile(spec as Parameters<typeof vegaLite.compile>[0], { config: { font: CHART_FONT } }).spec;
  } catch (error) {
    // vega-lite does not validate against its schema: a wrong spec fails deep inside the compiler.
    throw new Error(`vega-lite could not compile the spec: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return uniqueIds(await view.toSVG(options.scale ?? 1));
  } finally {
    view.finalize();
  }
}

/**
 * Makes the SVG's ids (vega's clip paths: "clip1", "clip2", … counted per
 * process) unique to this drawing. Inline SVGs share one id space per page:
 * the report holds five charts, and a notebook saved from two kernel sessions
 * shows charts numbered from 1 twice, where a clip path could resolve to
 * another chart's. The prefix is a hash of the SVG, so identical drawings get
 * identical ids (harmless) and the output stays reproducible.
 */
export function uniqueIds(svg: string): string {
  const ids = [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  if (ids.length === 0) return svg;
  const prefix = `v${createHash("sha1").update(svg).digest("hex").slice(0, 8)}-`;
  const known = new Set(ids);
  return svg
    .replace(/(\sid=")([^"]+)"/g, (whole, start: string, id: string) => (known.has(id) ? `${start}${prefix}${id}"` : whole))
    .replace(/(url\(#|href="#)([^)"]+)/g, (whole, start: string, id: string) => (known.has(id) ? `${start}${prefix}${id}` : whole));
}

/**
 * Font files for the PNG rasteriser. resvg draws no text without font files:
 * the charts name DejaVu Sans first (../charts/spec.ts CHART_FONT), which
 * Debian ships in fonts-dejavu-core, so those files are loaded alone when
 * present (fast, and the same pixels on every Debian machine). Elsewhere
 * (macOS, Windows) the system fonts are scanned and Verdana or the system's
 * sans-serif stands in.
 */
const DEJAVU_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts/dejavu"];

function pngFontOptions(): { loadSystemFonts: boolean; fontFiles: string[]; defaultFontFamily?: string; sansSerifFamily?: string } {
  for (const dir of DEJAVU_DIRS) {
    const files = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf"].map((f) => join(dir, f)).filter((f) => existsSync(f));
    if (files.length > 0) return { loadSystemFonts: false, fontFiles: files, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" };
  }
  return { loadSystemFonts: true, fontFiles: [] };
}

let fontOptions: ReturnType<typeof pngFontOptions> | undefined;

export interface PngImage {
  /** The PNG file's bytes. */
  png: Buffer;
  /** Pixel size of the PNG (the SVG's size times the scale). */
  width: number;
  height: number;
  /** The size to show it at, in CSS pixels: the SVG's own size. */
  displayWidth: number;
  displayHeight: number;
}

/**
 * Rasterises an SVG (from renderSvg) to PNG with resvg, headless and without
 * a browser: `scale` 2 (the default) gives twice the pixels of the SVG, sharp
 * on high-density screens and slides when shown at `displayWidth`.
 */
export async function renderPng(svg: string, options: RenderOptions = {}): Promise<PngImage> {
  const scale = options.scale ?? 2;
  const { Resvg } = await import("@resvg/resvg-js");
  fontOptions ??= pngFontOptions();
  const resvg = new Resvg(svg, { fitTo: { mode: "zoom", value: scale }, font: fontOptions, background: "white", logLevel: "off" });
  const image = resvg.render();
  return { png: image.asPng(), width: image.width, height: image.height, displayWidth: Math.round(resvg.width), displayHeight: Math.round(resvg.height) };
}
