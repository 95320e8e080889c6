// Reading screenshots and rendered charts by their pixels (pngjs decodes the
// PNG; nothing here looks at HTML).
import { readFileSync } from "node:fs";
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
