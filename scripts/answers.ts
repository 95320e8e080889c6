/**
 * `npm run answers`: prints the answer key of the notebooks' exercises (for
 * instructors), from lib/notebook/exercises.ts.
 */
import { join } from "node:path";
import { answerKey, formatAnswerKey } from "../lib/notebook/answer-key";
import { projectRoot } from "./notebook-jupyter";

answerKey(join(projectRoot, "data", "captures")).then(
  (entries) => console.log(formatAnswerKey(entries)),
  (error: unknown) => {
    console.error(`answers: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
