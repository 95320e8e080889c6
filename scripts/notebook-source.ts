/**
 * The notebooks are written as Markdown (notebooks/src/NN-name.md), as d2l
 * writes its book, and built into .ipynb files:
 *
 * - a fenced block opened with ```ts (or ```typescript) is a code cell;
 * - the Markdown between code cells becomes Markdown cells, a new one at
 *   each heading and at a line `<!-- cell -->`;
 * - other fenced blocks (```text, ```sh …) stay in the Markdown;
 * - a line `<!-- exercise ID -->` becomes that exercise's question, numbered
 *   within the notebook: the question is written once, in
 *   lib/notebook/exercises.ts, where the checker and the answer key read it.
 *
 * Markdown diffs well and reads well in review; the .ipynb files carry the
 * outputs that readers see on GitHub. test/notebooks checks that the two agree.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { exercises } from "../lib/notebook/exercises";
import { KERNEL_DISPLAY_NAME, KERNEL_NAME } from "./notebook-jupyter";

export interface SourceCell {
  cell_type: "markdown" | "code";
  source: string;
}

const CODE_FENCE = /^```(ts|typescript)\s*$/;
const ANY_FENCE = /^```/;
const SPLIT = /^<!--\s*cell\s*-->\s*$/;
const EXERCISE = /^<!--\s*exercise\s+(\S+)\s*-->\s*$/;

/** The exercise ids a notebook source places, in order. */
export function exercisesPlaced(text: string): string[] {
  return text.split(/\r?\n/).flatMap((line) => EXERCISE.exec(line)?.[1] ?? []);
}

/** A `<!-- exercise ID -->` line as its numbered question: `**2.** Which…`. */
function exerciseQuestion(id: string, number: number): string {
  const exercise = exercises.find((e) => e.id === id);
  if (!exercise) throw new Error(`<!-- exercise ${id} -->: no such exercise in lib/notebook/exercises.ts`);
  return `**${number}.** ${exercise.question}`;
}

/** Splits Markdown text into cells. */
export function parseNotebookSource(text: string): SourceCell[] {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  let exerciseNumber = 0;
  const cells: SourceCell[] = [];
  let markdown: string[] = [];
  const flush = () => {
    while (markdown.length > 0 && markdown[0]!.trim() === "") markdown.shift();
    while (markdown.length > 0 && markdown[markdown.length - 1]!.trim() === "") markdown.pop();
    if (markdown.length > 0) cells.push({ cell_type: "markdown", source: markdown.join("\n") });
    markdown = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (CODE_FENCE.test(line)) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) code.push(lines[i]!);
      if (i >= lines.length) throw new Error(`unclosed code block starting at line ${lines.indexOf(line) + 1}`);
      cells.push({ cell_type: "code", source: code.join("\n").replace(/\s+$/, "") });
      continue;
    }
    if (ANY_FENCE.test(line)) {
      // Another language's block: copy it through unchanged, headings inside it included.
      markdown.push(line);
      for (i++; i < lines.length; i++) {
        markdown.push(lines[i]!);
        if (/^```\s*$/.test(lines[i]!)) break;
      }
      continue;
    }
    if (SPLIT.test(line)) {
      flush();
      continue;
    }
    const exercise = EXERCISE.exec(line);
    if (exercise) {
      markdown.push(exerciseQuestion(exercise[1]!, ++exerciseNumber));
      continue;
    }
    if (/^#{1,6}\s/.test(line)) flush();
    markdown.push(line);
  }
  flush();
  return cells;
}

export interface NotebookJson {
  cells: Array<Record<string, unknown>>;
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** A notebook (nbformat 4.5) with the cells of a Markdown source and no outputs. */
export function notebookFromSource(text: string, name: string): NotebookJson {
  const stem = basename(name).replace(/\.(md|ipynb)$/, "");
  const prefix = stem.slice(0, 2);
  const cells = parseNotebookSource(text).map((cell, index) => {
    const id = `nb${prefix}-${String(index + 1).padStart(3, "0")}`;
    return cell.cell_type === "code"
      ? { cell_type: "code", execution_count: null, id, metadata: {}, outputs: [], source: cell.source }
      : { cell_type: "markdown", id, metadata: {}, source: cell.source };
  });
  return {
    cells,
    metadata: {
      kernelspec: { display_name: KERNEL_DISPLAY_NAME, language: "typescript", name: KERNEL_NAME },
      language_info: { file_extension: ".ts", mimetype: "text/typescript", name: "typescript" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

export function readNotebookSource(file: string): NotebookJson {
  return notebookFromSource(readFileSync(file, "utf8"), file);
}

/** A cell's source as one string (nbformat stores it as a string or a list of lines). */
export function cellSource(cell: { source?: unknown }): string {
  const source = cell.source;
  return Array.isArray(source) ? source.join("") : typeof source === "string" ? source : "";
}
