/**
 * Where a tutorial run keeps what it made: `~/.iot-wire-lab/runs/<time>/`
 * (or `$IOT_WIRE_LAB_HOME/runs/…`), one folder per run, named by the UTC
 * time it started so that names sort in time order. Only the newest runs are
 * kept; older run folders are removed when a new one is made.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { labHome } from "../device/registry";

/** How many run folders are kept in the runs folder. */
export const RUNS_KEPT = 10;

/** `YYYYMMDD-HHMMSS-mmm`, UTC: a run folder's name. */
const RUN_NAME = /^\d{8}-\d{6}-\d{3}(?:-\d+)?$/;

export function runsFolder(home: string = labHome()): string {
  return join(home, "runs");
}

export function runFolderName(date: Date): string {
  const iso = date.toISOString(); // 2025-11-26T12:14:03.123Z
  return `${iso.slice(0, 10).replace(/-/g, "")}-${iso.slice(11, 19).replace(/:/g, "")}-${iso.slice(20, 23)}`;
}

/** Makes a new run folder under `runs` (a suffix is added if two runs start in the same millisecond). */
export function makeRunFolder(runs: string, date: Date = new Date()): string {
  mkdirSync(runs, { recursive: true, mode: 0o700 });
  const base = runFolderName(date);
  for (let n = 0; ; n++) {
    const path = join(runs, n === 0 ? base : `${base}-${n}`);
    try {
      mkdirSync(path, { mode: 0o700 });
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

/** The run folders in `runs`, oldest first (only names this module makes; anything else is left alone). */
export function listRuns(runs: string): string[] {
  let names: string[];
  try {
    names = readdirSync(runs);
  } catch {
    return [];
  }
  return names
    .filter((name) => RUN_NAME.test(name))
    .filter((name) => {
      try {
        return statSync(join(runs, name)).isDirectory();
      } catch {
        return false;
      }
    })
    .sort()
    .map((name) => join(runs, name));
}

/** Removes all but the newest `keep` run folders; returns the removed paths. */
export function pruneRuns(runs: string, keep: number = RUNS_KEPT): string[] {
  const all = listRuns(runs);
  const old = all.slice(0, Math.max(0, all.length - keep));
  for (const path of old) rmSync(path, { recursive: true, force: true });
  return old;
}
