/**
 * The instructors' answer key (`npm run answers`): every exercise of the
 * notebooks with its answer and why, taken from the exercise definitions
 * (./exercises.ts), so a question, its answer and its explanation are written
 * once. Answers that depend on the reader's capture are given for the bundled
 * recording the notebook analyses when it runs without a live capture.
 */
import { join } from "node:path";
import { analyzeCapture } from "../analysis/analyze";
import { exercises, normalizeAnswer, type Exercise } from "./exercises";

export interface AnswerKeyEntry {
  id: string;
  /** The notebook's number, from the id ("04-device-port" → "04"). */
  notebook: string;
  question: string;
  /** The answer as the checker accepts it, or undefined when it cannot be computed. */
  answer: string | undefined;
  /** For computed answers: the bundled capture the answer was computed on. */
  computedOn?: string;
  why: string;
}

async function answerOf(exercise: Exercise, capturesDir: string): Promise<Pick<AnswerKeyEntry, "answer" | "computedOn">> {
  if (exercise.answer !== undefined) return { answer: normalizeAnswer(exercise.kind, exercise.answer) };
  if (!exercise.compute || !exercise.bundledCapture) return { answer: undefined };
  const analysis = await analyzeCapture(join(capturesDir, exercise.bundledCapture));
  const value = exercise.compute(analysis);
  let answer = value === undefined ? undefined : normalizeAnswer(exercise.kind, value);
  if (answer !== undefined && exercise.tolerance !== undefined) answer = String(Number(Number(answer).toFixed(2)));
  return { answer, computedOn: exercise.bundledCapture };
}

/** Every exercise's entry, in the notebooks' order; `capturesDir` holds the bundled recordings (data/captures). */
export async function answerKey(capturesDir: string): Promise<AnswerKeyEntry[]> {
  const entries: AnswerKeyEntry[] = [];
  for (const exercise of exercises) {
    entries.push({ id: exercise.id, notebook: exercise.id.slice(0, 2), question: exercise.question, ...(await answerOf(exercise, capturesDir)), why: exercise.explain });
  }
  return entries;
}

/** The key as text: one block per exercise, grouped by notebook. */
export function formatAnswerKey(entries: readonly AnswerKeyEntry[]): string {
  const lines: string[] = ["Answer key: the notebooks' exercises (checkExercise(\"id\", answer) in each notebook)."];
  let notebook = "";
  for (const e of entries) {
    if (e.notebook !== notebook) {
      notebook = e.notebook;
      lines.push("", `Notebook ${notebook}`);
    }
    const answer = e.answer ?? "(no answer: the bundled capture has nothing to answer with)";
    const on = e.computedOn ? ` (on the bundled ${e.computedOn}; a live capture has its own answer, which checkExercise computes)` : "";
    lines.push(`  ${e.id}: ${e.question}`, `    Answer: ${answer}${on}`, `    Why: ${e.why}`);
  }
  return lines.join("\n");
}
