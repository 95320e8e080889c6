/**
 * `-o FILE` for the commands that write one (analyze, report, redact): the
 * path is checked before any work, so a typo costs one line on stderr and exit
 * code 2, not a stack trace after a long analysis; and the file is written
 * under a temporary name beside it and renamed into place when complete, so
 * a failure leaves nothing behind (and an older file as it was).
 */
import { accessSync, constants, renameSync, rmSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError } from "./errors";

export interface OutputPathOptions {
  /** The folder may be missing: the command creates it (report). */
  createsFolder?: boolean;
}

/** Throw a UsageError when `path` cannot be written as a file. */
export function checkOutputPath(path: string, options: OutputPathOptions = {}): void {
  const target = statOrUndefined(path);
  if (target?.isDirectory()) throw new UsageError(`${path} is a directory: give -o a file name`);
  if (target && !writable(path)) throw new UsageError(`cannot write ${path}: permission denied`);
  // The nearest folder that exists must be a folder we may write into.
  let folder = dirname(resolve(path));
  let found = statOrUndefined(folder);
  if (!found && !options.createsFolder) throw new UsageError(`cannot write ${path}: the folder ${dirname(path)} does not exist`);
  while (!found && dirname(folder) !== folder) {
    folder = dirname(folder);
    found = statOrUndefined(folder);
  }
  if (found && !found.isDirectory()) throw new UsageError(`cannot write ${path}: ${folder} is a file, not a folder`);
  if (found && !writable(folder)) throw new UsageError(`cannot write ${path}: permission denied in ${folder}`);
}

/** The temporary name a file is written under before it is renamed to `path`. */
export function partialPath(path: string): string {
  return `${path}.${process.pid}.partial`;
}

/** Move the complete file into place. */
export function commitPartial(path: string): void {
  try {
    renameSync(partialPath(path), path);
  } catch (error) {
    discardPartial(path);
    throw new UsageError(`cannot write ${path}: ${(error as Error).message}`);
  }
}

/** Remove the temporary file after a failure. */
export function discardPartial(path: string): void {
  rmSync(partialPath(path), { force: true });
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
