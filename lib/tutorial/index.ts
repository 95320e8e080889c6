// The tutorial: the seed article's walk-through on this machine (device,
// platform, live capture, simulator, analysis, device log, run folder).
export * from "./types";
export * from "./tutorial";
export * from "./render";
export * from "./report";
export * from "./run-folder";
export * from "./bundled";
