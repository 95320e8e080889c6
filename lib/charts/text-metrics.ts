/**
 * Text widths for headless rendering.
 *
 * Without a canvas, vega guesses a text's width as 0.8 × font size per
 * character (vega-scenegraph: estimateWidth). DejaVu Sans averages nearer
 * 0.6, so the guess makes every label a third too wide: axis labels get cut
 * with "…", legends spread out and "fit" sizing leaves gaps. vega lets a
 * program replace `textMetrics.width` (vl-convert does the same); we give it
 * the advance widths of the fonts the charts name (./spec.ts). The chart
 * builders use the same widths to leave room for their labels.
 *
 * The tables are DejaVu Sans's advance widths in thousandths of an em, for
 * the characters of CHARACTERS in order, as measured with canvas
 * `measureText` at 1000 px in chromium on Debian 12 (fonts-dejavu-core 2.37).
 * DejaVu Sans Mono advances every glyph by 0.602 em.
 */

const CHARACTERS = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~→←…µ–·×°≤≥↑↓é";

const SANS = [318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838, 838, 838, 1000, 636, 500, 318, 838, 500, 838, 838, 838, 838, 615];
const SANS_BOLD = [348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838, 838, 838, 1000, 736, 500, 380, 838, 500, 838, 838, 838, 838, 678];
const MONO = 602;

const sans = new Map<string, number>();
const sansBold = new Map<string, number>();
[...CHARACTERS].forEach((ch, i) => {
  sans.set(ch, SANS[i]);
  sansBold.set(ch, SANS_BOLD[i]);
});

/** Characters outside the table: the width of a digit. */
const FALLBACK = { normal: 636, bold: 696 };

/** The parts of a vega text item that decide its width. */
export interface TextItem {
  font?: string;
  fontSize?: number | string;
  fontWeight?: number | string;
  limit?: number | string;
}

function isBold(weight: TextItem["fontWeight"]): boolean {
  if (weight === undefined || weight === null) return false;
  if (typeof weight === "number") return weight >= 600;
  return weight === "bold" || weight === "bolder" || Number(weight) >= 600;
}

/** Width in pixels of one line of text as the item's font draws it. */
export function textWidth(item: TextItem, text: string): number {
  const size = item.fontSize !== undefined && item.fontSize !== null ? Number(item.fontSize) || 0 : 11;
  if (size <= 0 || text.length === 0) return 0;
  let units = 0;
  if (/mono/i.test(item.font ?? "")) {
    units = MONO * [...text].length;
  } else {
    const bold = isBold(item.fontWeight);
    const widths = bold ? sansBold : sans;
    const fallback = bold ? FALLBACK.bold : FALLBACK.normal;
    for (const ch of text) units += widths.get(ch) ?? fallback;
  }
  return (units / 1000) * size;
}

/**
 * A replacement for vega's `textMetrics.width(item, text)`. vega calls it both
 * for whole lines (to size a mark, where a line longer than `item.limit` is
 * drawn cut to fit) and, from its truncation search, for prefixes compared
 * with the limit; capping at the limit answers both correctly without
 * truncating here (which would call back into vega's search).
 */
export function vegaTextWidth(item: TextItem, text: unknown): number {
  const line = text === undefined || text === null ? "" : String(text).trim();
  const width = textWidth(item, line);
  const limit = Number(item.limit);
  return limit > 0 ? Math.min(width, limit) : width;
}
