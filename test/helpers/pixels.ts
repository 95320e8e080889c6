// Reading screenshots and rendered charts by their pixels (pngjs decodes the
// PNG; nothing here looks at HTML).
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import { PNG } from "pngjs";

export interface Pixels {
  width: number;
  height: number;
  /** RGBA, row by row. */
  data: Buffer;
}

export function readPng(source: string | Buffer): Pixels {
  const png = PNG.sync.read(typeof source === "string" ? readFileSync(source) : source);
  return { width: png.width, height: png.height, data: png.data };
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What a region holds: pixels that are not the background, and how many of those are coloured (not grey). */
export interface Ink {
  /** Pixels that differ from the background colour by more than a little. */
  ink: number;
  /** Ink pixels with a clear hue (charts draw phases in colour; text and axes are grey). */
  coloured: number;
  /** Dark pixels (text, arrows). */
  dark: number;
  total: number;
}

/** Counts ink in `box` (default: the whole image) against `background` (default white). */
export function inkIn(pixels: Pixels, box: Box = { x: 0, y: 0, width: pixels.width, height: pixels.height }, background: [number, number, number] = [255, 255, 255]): Ink {
  const result: Ink = { ink: 0, coloured: 0, dark: 0, total: 0 };
  const x1 = Math.min(pixels.width, box.x + box.width);
  const y1 = Math.min(pixels.height, box.y + box.height);
  for (let y = Math.max(0, box.y); y < y1; y++) {
    for (let x = Math.max(0, box.x); x < x1; x++) {
      const i = (y * pixels.width + x) * 4;
      const [r, g, b] = [pixels.data[i]!, pixels.data[i + 1]!, pixels.data[i + 2]!];
      result.total++;
      if (Math.abs(r - background[0]) + Math.abs(g - background[1]) + Math.abs(b - background[2]) <= 24) continue;
      result.ink++;
      if (Math.max(r, g, b) - Math.min(r, g, b) > 40) result.coloured++;
      if (r + g + b < 300) result.dark++;
    }
  }
  return result;
}

/**
 * Which pixels hold ink: clearly darker or more coloured than the white
 * page. `shrink` 2 first averages 2×2 blocks (a 2× chart PNG as a browser
 * shows it at its display size).
 */
export interface InkMask {
  width: number;
  height: number;
  /** 1 where the pixel holds ink, row by row. */
  mask: Uint8Array;
}

export function inkMask(pixels: Pixels, shrink: 1 | 2 = 1): InkMask {
  const height = Math.floor(pixels.height / shrink);
  const width = Math.floor(pixels.width / shrink);
  const mask = new Uint8Array(width * height);
  const n = shrink * shrink;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let away = 0;
      for (let dy = 0; dy < shrink; dy++) {
        for (let dx = 0; dx < shrink; dx++) {
          const i = ((y * shrink + dy) * pixels.width + x * shrink + dx) * 4;
          away += 765 - pixels.data[i]! - pixels.data[i + 1]! - pixels.data[i + 2]!;
        }
      }
      if (away / n > 120) mask[y * width + x] = 1;
    }
  }
  return { width, height, mask };
}

function rowProfile(m: InkMask): number[] {
  const profile = new Array<number>(m.height).fill(0);
  for (let y = 0; y < m.height; y++) for (let x = 0; x < m.width; x++) profile[y]! += m.mask[y * m.width + x]!;
  return profile;
}

/** The mask grown by one pixel each way, so a match may be off by a pixel (the browser scales the image its own way). */
function dilate(m: InkMask): InkMask {
  const out = new Uint8Array(m.mask.length);
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      if (!m.mask[y * m.width + x]) continue;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx, yy = y + dy;
          if (xx >= 0 && yy >= 0 && xx < m.width && yy < m.height) out[yy * m.width + xx] = 1;
        }
      }
    }
  }
  return { width: m.width, height: m.height, mask: out };
}

/**
 * Finds a chart in a screenshot by its ink, at or below row `from`: rows
 * whose amounts of ink fit the chart's give candidate offsets, then every
 * horizontal position is tried, and `found` is the share of the chart's ink
 * (a sample of its pixels) that the screenshot has at the same place, give or
 * take a pixel. A chart that is not drawn (its text line, an empty box) finds
 * little: text elsewhere matches a few rows, never the chart's drawing.
 */
export function findChart(screen: InkMask, chart: InkMask, from = 0): { x: number; y: number; found: number } {
  const points: Array<[number, number]> = [];
  for (let y = 0; y < chart.height; y++) for (let x = 0; x < chart.width; x++) if (chart.mask[y * chart.width + x]) points.push([x, y]);
  if (points.length === 0) return { x: 0, y: from, found: 0 };
  const step = Math.max(1, Math.floor(points.length / 400));
  const sample = points.filter((_, i) => i % step === 0);
  const screenRows = rowProfile(screen);
  const chartRows = rowProfile(chart);
  const inked = chartRows.map((v, i) => [i, v] as const).filter(([, v]) => v > 0);
  const scored: Array<[offset: number, score: number]> = [];
  for (let offset = from; offset + chart.height <= screen.height; offset++) {
    let matched = 0;
    for (const [i, v] of inked) matched += Math.min(v, screenRows[offset + i]!);
    scored.push([offset, matched]);
  }
  const candidates = scored.sort((a, b) => b[1] - a[1]).slice(0, 60).map(([offset]) => offset);
  const grown = dilate(screen);
  let best = { x: 0, y: from, found: 0 };
  for (const y0 of candidates) {
    for (let x0 = 0; x0 + chart.width <= screen.width; x0++) {
      let hits = 0;
      for (const [x, y] of sample) hits += grown.mask[(y0 + y) * grown.width + x0 + x]!;
      if (hits / sample.length > best.found) best = { x: x0, y: y0, found: hits / sample.length };
    }
  }
  return best;
}

/**
 * Asserts that a screenshot shows each chart (its 2× PNG, shown at half
 * size), in order from the top: most of each chart's ink is found in place.
 */
export function assertChartsDrawn(shotFile: string, chartPngs: readonly Buffer[], where: string): void {
  const screen = inkMask(readPng(shotFile));
  let from = 0;
  chartPngs.forEach((png, i) => {
    const chart = inkMask(readPng(png), 2);
    const { y, found } = findChart(screen, chart, from);
    assert.ok(found > 0.85, `${where}: chart ${i + 1} of ${chartPngs.length} not drawn (${Math.round(found * 100)}% of its ink found)`);
    from = y + chart.height;
  });
}
