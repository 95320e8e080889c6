/**
 * A simulation run: one device or a fleet running the tutorial program against
 * a broker, reported as typed events through an EventEmitter and an async
 * iterator, and summed up when it ends.
 *
 * The broker is, in order of preference: `broker` (any mqtt:// or mqtts://
 * URL, e.g. a local Mosquitto, which accepts the signed credentials like any
 * others), `cloud` (the real endpoint of a region, see endpointFor),
 * `platform` (an embedded platform already running), or else a platform
 * that the run starts with `startPlatform` and stops at the end. The simulator
 * knows no platform itself: lab/simulate.ts passes the embedded IoT
 * platform's starter, which is what the library's `simulate` does.
 */
import { EventEmitter } from "node:events";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { endpointFor } from "../device/endpoint";
import type { Device, DeviceIdentity } from "../device/identity";
import { DeviceRegistry } from "../device/registry";
import type { DeviceLogEntry } from "../device/log-entry";
import { signMqttCredentials } from "../device/credentials";
import { describeConnectError, runDevice, SimulationError, type DeviceRunSummary } from "./device-run";
import { runPrologue, type Misbehaviour } from "./misbehaviour";
import { isTlsUrl, openKeylogFile, type DeviceTransport, type KeylogFile } from "./transport";
import type { SimulatorEvent, SimulatorEventMap } from "./events";
import { deriveSeed, mulberry32 } from "./prng";

/** A broker a run is given or starts, with the log of what it saw (the embedded platform is one). */
export interface SimulationPlatform {
  readonly url: string;
  /** mqtts://, ws:// and wss:// URLs of a platform that serves them. */
  readonly tlsUrl?: string;
  readonly wsUrl?: string;
  readonly wssUrl?: string;
  /** The PEM certificate its TLS listeners present (devices trust it). */
  readonly certificate?: string;
  readonly deviceLog: { readonly entries: readonly DeviceLogEntry[] };
  stop(): Promise<void>;
}

/** Starts a platform for a run that was given no broker (see lab/simulate.ts). */
export type StartSimulationPlatform = (options: { registry: DeviceRegistry; maxQos: 1 | 2; deviceLog?: string; signatureMaxAgeMs?: false; tls?: boolean; websocket?: boolean }) => Promise<SimulationPlatform>;

/** What carries MQTT: TCP (the default) or WebSocket (ws://, or wss:// with tls). */
export type SimulationTransport = "tcp" | "ws";

export interface SimulationOptions {
  /** Any mqtt://, mqtts://, ws:// or wss:// broker. */
  broker?: string;
  /** A region id (cn-shanghai…): the product's real endpoint, over TLS unless `tls: false`. */
  cloud?: string;
  /**
   * TLS for `cloud` (default true: the platform no longer takes new devices
   * over plain TCP), and for the embedded platform (default false): its
   * mqtts:// listener (wss:// with transport "ws"), trusted through its certificate.
   */
  tls?: boolean;
  /** With the embedded platform: MQTT over TCP (default) or over WebSocket. */
  transport?: SimulationTransport;
  /** PEM certificate(s) the devices trust over TLS (default: the embedded platform's, else the system's). */
  ca?: string;
  /** Append the TLS session secrets to this NSS key log file (mode 0600), for decrypting a capture. */
  keylog?: string;
  /** An embedded platform already running. */
  platform?: SimulationPlatform;
  /** How to start a platform when no broker is given (lab/simulate.ts passes the embedded one's). */
  startPlatform?: StartSimulationPlatform;
  /** Options for the embedded platform the run starts when no broker is given. */
  embeddedPlatform?: { maxQos?: 1 | 2; deviceLog?: string };
  /** A registry, or the path of a registry file (default: the user's registry). */
  registry?: DeviceRegistry | string;
  /** The device: a full certificate, or the name of a registry device (made if absent). Default "device1". */
  device?: Device | string;
  /** The product of a named device or of a fleet (a new one when absent). */
  productKey?: string;
  /** Run this many devices, named `${fleetPrefix}-0001`… */
  fleet?: number;
  fleetPrefix?: string;
  /** How many fleet devices run at once (default 10). */
  concurrency?: number;
  /** Time scale: 10 runs the 8 s script in 0.8 s. Default 1. */
  speed?: number;
  /** 4 (MQTT 3.1.1, default) or 5. */
  protocolVersion?: 4 | 5;
  /** QoS of the subscription and the publishes (default 1). */
  qos?: 0 | 1 | 2;
  /** Seconds (default 60; the platform accepts 30 to 1200). */
  keepalive?: number;
  /** Messages to publish (default 1) and seconds between them (default 1). */
  count?: number;
  interval?: number;
  /** Seed of the readings (default: random, reported in the summary). */
  seed?: number;
  /** Time source for the signed clientId timestamp (default Date.now). */
  clock?: () => number;
  /** Real milliseconds to wait for each CONNACK (default 10000). */
  connectTimeoutMs?: number;
  /**
   * A misbehaving device, for `iot-wire-lab check` to find (all off by
   * default; see ./misbehaviour.ts): keepaliveViolation (falls silent until
   * the broker closes it; use a small keepalive), noBackoff (dropped and
   * retried at a fixed period), duplicateClientId (a twin takes its
   * identity), resendWithoutDup (a QoS 1 resend without DUP).
   */
  keepaliveViolation?: boolean;
  noBackoff?: boolean;
  duplicateClientId?: boolean;
  resendWithoutDup?: boolean;
}

export interface SimulationSummary {
  broker: { url: string; embedded: boolean };
  seed: number;
  protocolVersion: 4 | 5;
  qos: 0 | 1 | 2;
  speed: number;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  devices: DeviceRunSummary[];
  events: SimulatorEvent[];
  /** The embedded platform's device log for this run, when the run started one. */
  deviceLog?: DeviceLogEntry[];
}

/** The run failed for at least one device; `summary` holds what happened. */
export class SimulationRunError extends SimulationError {
  override name = "SimulationRunError";
  readonly summary: SimulationSummary;
  constructor(message: string, summary: SimulationSummary, code?: string | number) {
    super(message, code);
    this.summary = summary;
  }
}

export interface Simulation {
  on<K extends keyof SimulatorEventMap>(event: K, listener: (event: SimulatorEventMap[K]) => void): this;
  once<K extends keyof SimulatorEventMap>(event: K, listener: (event: SimulatorEventMap[K]) => void): this;
  off<K extends keyof SimulatorEventMap>(event: K, listener: (event: SimulatorEventMap[K]) => void): this;
}

/**
 * A running simulation. Listen with `on("published", …)`, or iterate:
 * `for await (const event of simulation) …` (the iteration sees every event
 * from the start and ends with the run). `done` resolves to the summary or
 * rejects with a SimulationRunError. The `error` event is emitted only when
 * someone listens to it, so an unheard error never throws.
 */
export class Simulation extends EventEmitter implements AsyncIterable<SimulatorEvent> {
  readonly events: SimulatorEvent[] = [];
  readonly done: Promise<SimulationSummary>;
  private finished = false;
  private waiters: (() => void)[] = [];
  private stopRequested!: () => void;
  private readonly stopSignal: Promise<void>;

  constructor(options: SimulationOptions) {
    super();
    this.stopSignal = new Promise<void>((resolve) => (this.stopRequested = resolve));
    this.done = this.run(options).finally(() => {
      this.finished = true;
      for (const wake of this.waiters.splice(0)) wake();
    });
    // `done` is also awaited by whoever wants it; this keeps an unawaited failure from crashing the process.
    this.done.catch(() => undefined);
  }

  /** Ends every device early, with a clean DISCONNECT. */
  stop(): Promise<SimulationSummary> {
    this.stopRequested();
    return this.done;
  }

  private record(event: SimulatorEvent): void {
    this.events.push(event);
    if (event.type !== "error" || this.listenerCount("error") > 0) this.emit(event.type, event);
    this.emit("event", event);
    for (const wake of this.waiters.splice(0)) wake();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SimulatorEvent> {
    let index = 0;
    for (;;) {
      while (index < this.events.length) yield this.events[index++]!;
      if (this.finished) return;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private async run(options: SimulationOptions): Promise<SimulationSummary> {
    const runStart = performance.now();
    const startedAt = new Date();
    const speed = options.speed ?? 1;
    const protocolVersion = options.protocolVersion ?? 4;
    const qos = options.qos ?? 1;
    const count = options.count ?? 1;
    const interval = options.interval ?? 1;
    const keepalive = options.keepalive ?? 60;
    const seed = options.seed ?? randomBytes(4).readUInt32BE(0);
    checkOptions({ speed, protocolVersion, qos, count, interval, keepalive, fleet: options.fleet, concurrency: options.concurrency });

    const { devices, registry } = resolveDevices(options);
    let platform = options.platform;
    let embedded = false;
    if (!options.broker && !options.cloud && !platform) {
      if (!options.startPlatform) throw new SimulationError("no broker to run against: pass broker, cloud or platform (the library's simulate() starts the embedded platform)");
      platform = await options.startPlatform({
        registry,
        maxQos: options.embeddedPlatform?.maxQos ?? 1,
        deviceLog: options.embeddedPlatform?.deviceLog,
        // Devices on a made-up clock (fixed for reproducible runs) sign timestamps the platform's real clock would call stale.
        ...(signsOnOwnClock(options) ? { signatureMaxAgeMs: false as const } : {}),
        ...(options.tls ? { tls: true } : {}),
        ...(options.transport === "ws" ? { websocket: true } : {}),
      });
      embedded = true;
    }
    const embeddedUrl = (): string => {
      const tls = options.tls === true;
      const ws = options.transport === "ws";
      const wanted = ws ? (tls ? platform!.wssUrl : platform!.wsUrl) : tls ? platform!.tlsUrl : platform!.url;
      if (!wanted) throw new SimulationError(`the platform does not serve MQTT over ${ws ? (tls ? "wss" : "ws") : "TLS"}: start it with ${[tls ? "tls" : "", ws ? "websocket" : ""].filter(Boolean).join(" and ")}`);
      return wanted;
    };
    let keylog: KeylogFile | undefined;
    try {
      keylog = options.keylog ? openKeylogFile(options.keylog) : undefined;
    } catch (error) {
      if (embedded) await platform!.stop();
      throw new SimulationError(`cannot write the key log ${options.keylog}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const transport: DeviceTransport = {
      ...(options.ca !== undefined ? { ca: options.ca } : platform?.certificate && !options.broker && !options.cloud ? { ca: platform.certificate } : {}),
      ...(keylog ? { keylog: keylog.sink } : {}),
    };
    const firstLog = platform ? platform.deviceLog.entries.length : 0;
    const urlFor = (device: Device): string => {
      if (options.broker) return options.broker;
      if (options.cloud) return endpointFor(options.cloud, device.productKey, { tls: options.tls ?? true }).url;
      return embeddedUrl();
    };

    const results: DeviceRunSummary[] = new Array(devices.length);
    const failures: SimulationError[] = [];
    try {
      let next = 0;
      const worker = async () => {
        while (next < devices.length) {
          const index = next++;
          const device = devices[index]!;
          try {
            const misbehaviour: Misbehaviour = { keepaliveViolation: options.keepaliveViolation, noBackoff: options.noBackoff, duplicateClientId: options.duplicateClientId };
            const misbehaves = misbehaviour.keepaliveViolation || misbehaviour.noBackoff || misbehaviour.duplicateClientId;
            const url = urlFor(device);
            const credentials = misbehaves ? signMqttCredentials(device, { clock: options.clock ?? Date.now, tls: isTlsUrl(url) }) : undefined;
            const prologue = credentials
              ? await runPrologue({
                  url,
                  device: { productKey: device.productKey, deviceName: device.deviceName },
                  credentials,
                  protocolVersion,
                  keepalive,
                  speed,
                  connectTimeoutMs: options.connectTimeoutMs ?? 10000,
                  misbehaviour,
                  transport,
                  emit: (event) => this.record(event),
                  base: () => ({ time: Date.now(), elapsedMs: performance.now() - runStart, device: { productKey: device.productKey, deviceName: device.deviceName } }),
                }).catch((error: Error & { code?: string | number }) => {
                  throw describeConnectError(error, url, protocolVersion);
                })
              : undefined;
            results[index] = await runDevice({
              ...(credentials ? { credentials } : {}),
              ...(options.resendWithoutDup ? { resendWithoutDup: true } : {}),
              device,
              url,
              transport,
              protocolVersion,
              qos,
              keepalive,
              speed,
              count,
              interval,
              random: mulberry32(deriveSeed(seed, index)),
              clock: options.clock ?? Date.now,
              runStart,
              emit: (event) => this.record(event),
              connectTimeoutMs: options.connectTimeoutMs ?? 10000,
              stopSignal: this.stopSignal,
            });
            await prologue?.finish();
          } catch (error) {
            const failure = error as SimulationError & { summary?: DeviceRunSummary };
            failures.push(failure);
            results[index] = failure.summary ?? failedSummary(device, urlFor(device), failure.message);
          }
        }
      };
      const width = Math.min(options.concurrency ?? 10, devices.length);
      await Promise.all(Array.from({ length: width }, worker));
    } finally {
      keylog?.close();
      if (embedded) await platform!.stop();
    }

    const endedAt = new Date();
    const summary: SimulationSummary = {
      broker: { url: options.broker ?? (options.cloud ? urlFor(devices[0]!) : embeddedUrl()), embedded },
      seed,
      protocolVersion,
      qos,
      speed,
      startedAt: startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      durationMs: performance.now() - runStart,
      devices: results,
      events: this.events,
    };
    if (platform) summary.deviceLog = platform.deviceLog.entries.slice(firstLog);
    if (failures.length > 0) {
      const first = failures[0]!;
      const message =
        devices.length === 1 ? first.message : `${failures.length} of ${devices.length} devices failed; first: ${results.find((r) => !r.ok)?.device.deviceName}: ${first.message}`;
      throw new SimulationRunError(message, summary, first.code);
    }
    return summary;
  }
}

function failedSummary(device: DeviceIdentity, url: string, error: string): DeviceRunSummary {
  return {
    device: { productKey: device.productKey, deviceName: device.deviceName },
    url,
    clientId: "",
    username: "",
    ok: false,
    error,
    readings: [],
    published: 0,
    acked: 0,
    received: 0,
    latenciesMs: [],
  };
}

function checkOptions(o: { speed: number; protocolVersion: number; qos: number; count: number; interval: number; keepalive: number; fleet?: number; concurrency?: number }): void {
  const problems: string[] = [];
  if (!(o.speed > 0) || !Number.isFinite(o.speed)) problems.push("speed must be a positive number");
  if (o.protocolVersion !== 4 && o.protocolVersion !== 5) problems.push("protocolVersion must be 4 (MQTT 3.1.1) or 5");
  if (o.qos !== 0 && o.qos !== 1 && o.qos !== 2) problems.push("qos must be 0, 1 or 2");
  if (!Number.isInteger(o.count) || o.count < 1) problems.push("count must be an integer of at least 1");
  if (!(o.interval >= 0)) problems.push("interval must be 0 or more seconds");
  if (!Number.isInteger(o.keepalive) || o.keepalive < 0 || o.keepalive > 65535) problems.push("keepalive must be 0 to 65535 seconds");
  if (o.fleet !== undefined && (!Number.isInteger(o.fleet) || o.fleet < 1 || o.fleet > 9999)) problems.push("fleet must be 1 to 9999 devices");
  if (o.concurrency !== undefined && (!Number.isInteger(o.concurrency) || o.concurrency < 1)) problems.push("concurrency must be at least 1");
  if (problems.length > 0) throw new SimulationError(`invalid simulation options: ${problems.join("; ")}`);
}

function openRegistry(registry: DeviceRegistry | string | undefined): DeviceRegistry {
  if (registry instanceof DeviceRegistry) return registry;
  return DeviceRegistry.load(registry);
}

/** The devices to run, and a registry that knows them (for an embedded platform). */
function resolveDevices(options: SimulationOptions): { devices: Device[]; registry: DeviceRegistry } {
  if (options.device !== undefined && typeof options.device === "object") {
    if (options.fleet !== undefined && options.fleet > 1) throw new SimulationError("a fleet cannot share one device certificate: pass a fleet size without a device");
    const registry = options.registry ? openRegistry(options.registry) : DeviceRegistry.inMemory([options.device]);
    if (options.registry && !registry.get(options.device.productKey, options.device.deviceName)) {
      // The device is not in the given registry: an embedded platform would refuse it.
      return { devices: [options.device], registry: DeviceRegistry.inMemory([options.device]) };
    }
    return { devices: [options.device], registry };
  }
  const registry = openRegistry(options.registry);
  if (options.fleet !== undefined) {
    const prefix = options.fleetPrefix ?? "sim";
    const devices: Device[] = [];
    let productKey = options.productKey;
    for (let i = 1; i <= options.fleet; i++) {
      const { device } = registry.getOrCreate({ deviceName: `${prefix}-${String(i).padStart(4, "0")}`, productKey });
      productKey ??= device.productKey; // the whole fleet in one product
      devices.push(device);
    }
    return { devices, registry };
  }
  const name = typeof options.device === "string" ? options.device : "device1";
  return { devices: [registry.getOrCreate({ deviceName: name, productKey: options.productKey }).device], registry };
}

/** Starts a simulation (events flow at once); see Simulation. */
export function simulate(options: SimulationOptions = {}): Simulation {
  return new Simulation(options);
}

/** Runs a simulation to its end: the summary, or a rejection with a clear message. */
export function runSimulation(options: SimulationOptions = {}): Promise<SimulationSummary> {
  return simulate(options).done;
}

/** Do the devices sign with a clock other than the system's (so the signature age means nothing)? */
export function signsOnOwnClock(options: Pick<SimulationOptions, "clock">): boolean {
  return options.clock !== undefined && options.clock !== Date.now;
}
