/**
 * Notebook 3's recipe in one call, for later notebooks that need a fresh
 * capture rather than the lesson: start the embedded platform on a free
 * port, start a live capture of that port, run a simulation against it,
 * stop the capture and the platform. When no live capture is possible here
 * the simulation still runs, and the result says why there is no capture.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { LiveCaptureError, resolveCaptureTool, startCapture, type LiveCapture, type LiveCaptureResult } from "../live/index";
import type { DeviceRegistry } from "../device/registry";
import type { DeviceLogEntry } from "../device/log-entry";
import { startPlatform, type PlatformOptions } from "../platform/platform";
import { signsOnOwnClock, simulate, type SimulationOptions, type SimulationSummary } from "../simulator/simulation";

export interface RecordSimulationOptions {
  /** The registry the platform checks logins against (fleet devices are added to it). */
  registry: DeviceRegistry;
  /** What to run (`platform` and `registry` are filled in). */
  simulation: Omit<SimulationOptions, "platform" | "registry" | "broker" | "cloud">;
  /** Folder for the capture file (default: a new temporary folder). */
  folder?: string;
  /** The platform's keep-alive range (default 30–1200 s, as the real one); lower it for a device with a 2 s keep-alive. */
  keepalive?: PlatformOptions["keepalive"];
}

export interface RecordedSimulation {
  /** The capture file, when a live capture was possible. */
  capture?: string;
  captureResult?: LiveCaptureResult;
  /** The platform's port, which carries MQTT in the capture (pass it as mqttPorts). */
  mqttPorts: number[];
  summary: SimulationSummary;
  deviceLog: DeviceLogEntry[];
  /** Why there is no capture, and what would fix it. */
  unavailable?: { reason: string; fixes: string[] };
}

export async function recordSimulation(options: RecordSimulationOptions): Promise<RecordedSimulation> {
  const maxQos: 1 | 2 = options.simulation.qos === 2 ? 2 : 1;
  const platform = await startPlatform({
    registry: options.registry,
    port: 0,
    host: "127.0.0.1",
    maxQos,
    ...(signsOnOwnClock(options.simulation) ? { signatureMaxAgeMs: false as const } : {}),
    ...(options.keepalive ? { keepalive: options.keepalive } : {}),
  });
  let capture: LiveCapture | undefined;
  let unavailable: RecordedSimulation["unavailable"];
  try {
    try {
      // The file's extension follows the tool: dumpcap writes pcapng, tcpdump pcap.
      const { format } = resolveCaptureTool();
      if (options.folder) mkdirSync(options.folder, { recursive: true });
      capture = await startCapture({ port: platform.port, host: "127.0.0.1", ...(options.folder ? { file: join(options.folder, `capture.${format}`) } : {}) });
    } catch (error) {
      if (!(error instanceof LiveCaptureError)) throw error;
      unavailable = { reason: error.message.split("\n")[0]!, fixes: error.fixes };
    }
    const summary = await simulate({ ...options.simulation, platform, registry: options.registry }).done;
    const captureResult = capture ? await capture.stop() : undefined;
    const result: RecordedSimulation = { mqttPorts: [platform.port], summary, deviceLog: platform.deviceLog.entries.slice() };
    if (captureResult) {
      result.capture = captureResult.file;
      result.captureResult = captureResult;
    }
    if (unavailable) result.unavailable = unavailable;
    return result;
  } catch (error) {
    await capture?.stop({ settleMs: 0 }).catch(() => undefined);
    throw error;
  } finally {
    await platform.stop();
  }
}
