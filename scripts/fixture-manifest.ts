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
