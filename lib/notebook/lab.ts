/**
 * What a notebook needs to know about where it runs: live or bundled mode,
 * the simulator's speed, seeded randomness and clocks, the lab's home folder
 * (registry, captures), and where the bundled and public captures are.
 *
 * Two modes:
 *
 * - live (the default): the notebooks start the embedded platform, run the
 *   simulator, capture packets where the machine allows it, and use the
 *   system clock and real randomness.
 * - bundled (`IOT_WIRE_LAB_NOTEBOOKS=bundled`): no live runs. The notebooks
 *   read the captures and device logs recorded in data/captures, and every
 *   random value and clock is fixed, so running them twice gives the same
 *   outputs. `npm run notebooks:execute` uses this mode for the outputs that
 *   are committed.
 *
 * Nothing here prints a deviceSecret.
 */
import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { randomBytes } from "node:crypto";
import type { RandomBytes } from "../device/identity";
import { mulberry32 } from "../simulator/prng";
import { bundledCapturesDir } from "../tutorial/bundled";
import { formatSeconds } from "../analysis/format";

export type NotebookMode = "live" | "bundled";

/** "bundled" turns live runs off; "live" (or nothing) turns them on where possible. */
export const NOTEBOOK_MODE_ENV = "IOT_WIRE_LAB_NOTEBOOKS";
/** The simulator's time scale in the notebooks (default 1: the seed program's own 3 s / 5 s / 8 s). */
export const NOTEBOOK_SPEED_ENV = "IOT_WIRE_LAB_SPEED";
/** The lab's home (registry, captures); default `.lab` beside the notebooks. */
export const LAB_HOME_ENV = "IOT_WIRE_LAB_HOME";
/** A folder of public captures made by other tools (see notebook 05). Bundled mode uses them only when this is set. */
export const PUBLIC_CAPTURES_ENV = "IOT_WIRE_LAB_PUBLIC_CAPTURES";
/**
 * How printed paths name the lab's home when IOT_WIRE_LAB_HOME is set (default
 * `$IOT_WIRE_LAB_HOME`). `npm run notebooks:execute` keeps the home in a
 * temporary folder and sets this to `./.lab`, the home a reader gets, so the
 * committed outputs show what a reader's run shows.
 */
export const LAB_HOME_SHOWN_AS_ENV = "IOT_WIRE_LAB_HOME_SHOWN_AS";
/** The speed of short runs that bundled mode makes too (notebook 2's MQTT.js program): fast, so executing the notebooks stays quick. */
export const BUNDLED_RUN_SPEED = 10;

/** The bundled captures' fixed clock (2024-01-15T08:00:00.000Z), see data/captures/README.md. */
export const FIXED_CLOCK_MS = 1705305600000;
/** The seed of the bundled recordings' readings. */
export const NOTEBOOK_SEED = 2024;

/** The bundled files the notebooks read (absolute paths). */
export interface BundledFiles {
  dir: string;
  /** The seed program at speed 1 (MQTT 3.1.1, QoS 1) and the platform's device log of that run. */
  tutorial: string;
  tutorialDeviceLog: string;
  /** The same program over MQTT 5. */
  mqtt5: string;
  /** The same program over TLS 1.3 to port 8883, its key log embedded (a pcapng Decryption Secrets Block). */
  tutorialTls: string;
  /** The same program over WebSocket (ws://…:8083/mqtt). */
  tutorialWs: string;
  /** QoS 0, 1 and 2 one after the other (tcp.stream 0, 1, 2). */
  qos: string;
  /** A 2 s keep-alive: PINGREQ / PINGRESP between the steps. */
  keepalive: string;
  /** Five devices at once. */
  fleet: string;
  fleetDeviceLog: string;
  /** A refused login, then a device that reaches for another device's topics. */
  refusedLogin: string;
  /** Four faulty devices: silent past the keep-alive, no back-off, a twin, a resend without DUP. */
  misbehaving: string;
  /** The made-up demo product (a1WireLabDm) every bundled capture belongs to. */
  demoRegistry: string;
}

export interface NotebookLab {
  mode: NotebookMode;
  /** mode === "live" */
  live: boolean;
  /** Why this mode (which variable set it, or the default). */
  modeReason: string;
  /** Simulator time scale: 1 runs the program at its own pace, 10 ten times faster. */
  speed: number;
  /** The speed of the short runs that bundled mode makes too: `speed` when live, BUNDLED_RUN_SPEED when bundled. */
  runSpeed: number;
  /** Seed for the simulated readings. */
  seed: number;
  /** Milliseconds since the epoch: fixed in bundled mode, the system clock in live mode. */
  clock: () => number;
  /** Random bytes for new devices: seeded in bundled mode, crypto-random in live mode. */
  random: RandomBytes;
  /** The folder the notebooks run in (the kernel's working directory). */
  notebooksDir: string;
  /** The lab's home: registry.json, captures/, last-capture.json. */
  home: string;
  /** The notebooks' device registry. */
  registryPath: string;
  /** Where notebook 03 records the capture notebook 04 analyses. */
  lastCaptureFile: string;
  /** Folder for captures made in the notebooks. */
  capturesDir: string;
  bundled: BundledFiles;
  /** The public captures folder, when there is one on this machine (in bundled mode only when IOT_WIRE_LAB_PUBLIC_CAPTURES names it, so that committed outputs do not depend on what lies beside the project). */
  publicCaptures: string | undefined;
  /** A path as the notebook should print it: relative to the notebooks, or under $IOT_WIRE_LAB_HOME, never a temp or home path that changes between machines. */
  displayPath(path: string): string;
}

export interface NotebookLabOptions {
  env?: NodeJS.ProcessEnv;
  /** The notebooks' folder (default: the working directory, which Jupyter sets to the notebook's folder). */
  cwd?: string;
}

/** Random bytes from a seeded generator: reproducible, and not for real secrets. */
export function seededRandomBytes(seed: number): RandomBytes {
  const next = mulberry32(seed);
  return (size: number) => {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = Math.floor(next() * 256);
    return bytes;
  };
}

function parseSpeed(text: string | undefined): number {
  if (text === undefined || text.trim() === "") return 1;
  const speed = Number(text);
  if (!(speed > 0) || !Number.isFinite(speed)) throw new Error(`${NOTEBOOK_SPEED_ENV} must be a positive number, got ${JSON.stringify(text)}`);
  return speed;
}

function parseMode(text: string | undefined): { mode: NotebookMode; reason: string } {
  const value = (text ?? "").trim().toLowerCase();
  if (value === "" || value === "live" || value === "auto") {
    return { mode: "live", reason: value === "" ? `the default (set ${NOTEBOOK_MODE_ENV}=bundled to replay the recordings instead)` : `${NOTEBOOK_MODE_ENV}=${value}` };
  }
  if (value === "bundled") return { mode: "bundled", reason: `${NOTEBOOK_MODE_ENV}=bundled` };
  throw new Error(`${NOTEBOOK_MODE_ENV} must be "live" or "bundled", got ${JSON.stringify(text)}`);
}

function bundledFiles(dir: string): BundledFiles {
  const at = (name: string) => join(dir, name);
  return {
    dir,
    tutorial: at("tutorial.pcapng"),
    tutorialDeviceLog: at("tutorial-device-log.jsonl"),
    mqtt5: at("tutorial-mqtt5.pcapng"),
    tutorialTls: at("tutorial-tls.pcapng"),
    tutorialWs: at("tutorial-ws.pcapng"),
    qos: at("qos0-1-2.pcapng"),
    keepalive: at("keepalive-ping.pcapng"),
    fleet: at("fleet-5.pcapng"),
    fleetDeviceLog: at("fleet-5-device-log.jsonl"),
    refusedLogin: at("refused-login.pcapng"),
    misbehaving: at("misbehaving.pcapng"),
    demoRegistry: at("demo-registry.json"),
  };
}

function inside(parent: string, path: string): boolean {
  const rel = relative(parent, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** The settings of this notebook session (read once, at the top of each notebook). */
export function notebookLab(options: NotebookLabOptions = {}): NotebookLab {
  const env = options.env ?? process.env;
  const notebooksDir = resolve(options.cwd ?? process.cwd());
  const { mode, reason } = parseMode(env[NOTEBOOK_MODE_ENV]);
  const live = mode === "live";
  const homeFromEnv = env[LAB_HOME_ENV] ? resolve(env[LAB_HOME_ENV]!) : undefined;
  const home = homeFromEnv ?? join(notebooksDir, ".lab");
  const capturesRoot = bundledCapturesDir(notebooksDir) ?? bundledCapturesDir();
  if (!capturesRoot) throw new Error("the bundled captures (data/captures) are missing from this installation");
  const projectDir = dirname(dirname(capturesRoot));
  const publicFromEnv = env[PUBLIC_CAPTURES_ENV] ? resolve(env[PUBLIC_CAPTURES_ENV]!) : undefined;
  // Beside the project (../shared/captures/public), where the lab's own tests find them; in live mode only.
  const besideProject = live ? [join(projectDir, "..", "shared", "captures", "public")].find((d) => existsSync(d)) : undefined;
  const publicCaptures = publicFromEnv ? (existsSync(publicFromEnv) ? publicFromEnv : undefined) : besideProject;
  const homeShownAs = env[LAB_HOME_SHOWN_AS_ENV] || "$" + LAB_HOME_ENV;

  const displayPath = (path: string): string => {
    const full = resolve(notebooksDir, path);
    if (homeFromEnv && inside(homeFromEnv, full)) {
      const rest = relative(homeFromEnv, full).split(sep).join("/");
      return rest ? `${homeShownAs}/${rest}` : homeShownAs;
    }
    if (inside(notebooksDir, full)) return ("./" + relative(notebooksDir, full)).split(sep).join("/").replace(/\/$/, "");
    if (inside(projectDir, full)) return relative(notebooksDir, full).split(sep).join("/");
    if (publicCaptures && inside(publicCaptures, full)) {
      return (publicFromEnv ? join("$" + PUBLIC_CAPTURES_ENV, relative(publicCaptures, full)) : relative(notebooksDir, full)).split(sep).join("/");
    }
    return full;
  };

  return {
    mode,
    live,
    modeReason: reason,
    speed: parseSpeed(env[NOTEBOOK_SPEED_ENV]),
    runSpeed: live ? parseSpeed(env[NOTEBOOK_SPEED_ENV]) : BUNDLED_RUN_SPEED,
    seed: NOTEBOOK_SEED,
    clock: live ? Date.now : () => FIXED_CLOCK_MS,
    random: live ? randomBytes : seededRandomBytes(NOTEBOOK_SEED),
    notebooksDir,
    home,
    registryPath: join(home, "registry.json"),
    lastCaptureFile: join(home, "last-capture.json"),
    capturesDir: join(home, "captures"),
    bundled: bundledFiles(capturesRoot),
    publicCaptures,
    displayPath,
  };
}

/** A few lines saying how this session runs, for the first cell of each notebook. */
export function describeLab(lab: NotebookLab): string {
  const lines = [
    lab.live
      ? `Mode: live — this notebook starts the embedded platform and the simulator on this machine (${lab.modeReason}).`
      : `Mode: bundled — no live runs; the recordings in ${lab.displayPath(lab.bundled.dir)} are replayed, with fixed seeds and clocks (${lab.modeReason}).`,
    `Speed: ${lab.speed} (the device program's 3 s / 5 s / 8 s steps take ${[3, 5, 8].map((s) => formatSeconds(s / lab.speed)).join(" / ")}).`,
    `Lab folder: ${lab.displayPath(lab.home)} (device registry, captures).`,
  ];
  return lines.join("\n");
}

/** 1.25 → "1.25 s", 0.3 → "0.3 s" (no trailing zeros): the analysis' own helper. */
export { formatSeconds } from "../analysis/format";

/** What `runningPlatform` needs of a platform. */
export interface StoppablePlatform {
  readonly stopped: boolean;
}

/**
 * The platform, if it still runs; otherwise an error that says which cell to
 * run again. A notebook stops its platform near the end, and re-running an
 * earlier cell afterwards would otherwise fail with a bare ECONNREFUSED.
 */
export function runningPlatform<P extends StoppablePlatform>(platform: P, startCell: string): P {
  if (platform.stopped) {
    throw new Error(`The embedded platform has been stopped (a later cell stops it). Run the cell under "${startCell}" again to start a new one, then this cell.`);
  }
  return platform;
}
