import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename } from "node:path";

/** One file of data/captures/fixtures.json: how it was made, and what it is. */
export interface ManifestEntry {
  file: string;
  /** Shell commands, run from data/captures/. */
  commands: string[];
  recordedAt: string;
  bytes: number;
  sha256: string;
  /** Packets the capture tool reported. */
  packets?: number;
  /** What the file shows, for files recorded by another script (record-interop-fixtures.ts). */
  description?: string;
}

/** The manifest entry of a recorded file: its size and SHA-256 now, with how it was made. */
export function manifestEntry(path: string, commands: string[], packets?: number, description?: string): ManifestEntry {
  const bytes = readFileSync(path);
  return {
    file: basename(path),
    commands,
    recordedAt: new Date().toISOString(),
    bytes: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    ...(packets !== undefined ? { packets } : {}),
    ...(description !== undefined ? { description } : {}),
  };
}
