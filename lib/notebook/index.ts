// The tutorial notebooks' own helpers: "iot-wire-lab/notebook" (or
// "../dist/lib/notebook" from notebooks/). The session's mode and folders, the
// exercises checked in place, the capture notebook 3 hands to notebook 4, and
// the tutorial's run folders. The analysis is in "iot-wire-lab", the device,
// platform, simulator and live capture in "iot-wire-lab/lab".
export * from "./lab";
export * from "./last-capture";
export { checkExercise, checkAnswer, exercises, type Exercise, type AnswerKind, type CheckResult, type CheckStatus } from "./exercises";
export { BUNDLED_CAPTURE_SPEED } from "../tutorial/tutorial";
export { makeRunFolder } from "../tutorial/run-folder";
