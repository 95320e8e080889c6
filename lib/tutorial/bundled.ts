/**
 * The bundled capture: data/captures/tutorial.pcapng and the platform's
 * device log of the same run (see data/captures/README.md), used when no live
 * capture is possible here. Found by walking up from this module, so it works
 * from lib/ (ts sources), dist/lib/ (compiled) and an installed package.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

export interface BundledCapture {
  capture: string;
  deviceLog: string;
  readme: string;
}

export function bundledCapturesDir(start: string = __dirname): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, "data", "captures");
    if (existsSync(join(candidate, "tutorial.pcapng"))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Which recording of the tutorial: plain MQTT, over TLS (keys embedded), or over WebSocket. */
export type BundledTransport = "tcp" | "tls" | "ws";

/** The bundled tutorial capture and its device log, or undefined when the data folder (or that recording) is missing. */
export function bundledTutorial(transport: BundledTransport = "tcp"): BundledCapture | undefined {
  const dir = bundledCapturesDir();
  if (!dir) return undefined;
  const name = transport === "tcp" ? "tutorial" : `tutorial-${transport}`;
  const capture = join(dir, `${name}.pcapng`);
  if (!existsSync(capture)) return undefined;
  return { capture, deviceLog: join(dir, `${name}-device-log.jsonl`), readme: join(dir, "README.md") };
}
