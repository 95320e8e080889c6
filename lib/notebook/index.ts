// Helpers for the tutorial notebooks (notebooks/*.ipynb): the session's mode
// and folders, exercises checked in place, the Wireshark filter of a phase,
// one phase at a time, replayed simulator runs, and raw bytes by hand.
export * from "./lab";
export * from "./last-capture";
export * from "./exercises";
export * from "../analysis/wireshark-filter";
export * from "./focus";
export * from "../lab/replay";
export * from "./bytes";
export * from "./event-chart";
export * from "../lab/record";
