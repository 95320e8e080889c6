/**
 * Live capture of the lab's own traffic with the system's capture tools:
 * Wireshark's dumpcap (writes pcapng) or tcpdump (writes pcap), started on
 * the loopback interface with an exact BPF filter for one TCP port.
 *
 * Facts this module relies on (from the tools' man pages and sources):
 *
 * - tcpdump(8): `--immediate-mode` delivers packets as they arrive instead of
 *   waiting for the kernel buffer to fill, and `-U` flushes the savefile after
 *   each packet. Without immediate mode, tcpdump on Linux stopped soon after a
 *   short exchange can report packets "received by filter" yet write none.
 *   tcpdump prints "listening on IFACE, link-type …" on stderr once the
 *   interface is open and the filter installed; on SIGINT/SIGTERM it prints
 *   "N packets captured", "N packets received by filter" and "N packets
 *   dropped by kernel". Started as root it drops to the `tcpdump` user (-Z),
 *   after opening the savefile.
 * - dumpcap(1): prints "Capturing on 'IFACE'" before it opens the interface,
 *   then "File: PATH" once the interface, the filter and the output file are
 *   ready; that second line is the one we wait for. On SIGINT it writes
 *   "Packets captured: N" and "Packets received/dropped on interface 'IFACE':
 *   R/D (pcap:K/dumpcap:…)", where K is the kernel's drop count.
 * - Both reinstall their SIGINT handler, so a SIGINT ignored by the shell that
 *   starts them still stops them cleanly.
 * - Capturing needs CAP_NET_RAW (and CAP_NET_ADMIN for some interfaces). Debian
 *   gives dumpcap these as file capabilities for members of the `wireshark`
 *   group; `setcap` does the same by hand.
 * - Rootless mode (Linux): `unshare -rn` makes a user namespace in which we are
 *   root, and a network namespace with its own loopback. There dumpcap can
 *   capture `lo` as an unprivileged user. tcpdump cannot: it tries to give its
 *   savefile to its own user ("Couldn't change ownership of savefile").
 *   Everything that talks on the captured port must run in the same namespace,
 *   so the whole command re-executes inside it (see runRootless).
 *
 * What differs per operating system (tool folders, the loopback's name, no
 * `sh` on Windows) is decided in live-tools.ts.
 *
 * No capture process outlives its owner: each tool runs under a small shell
 * supervisor whose standard input is a pipe from this process. When this
 * process goes away (exit, crash, even SIGKILL) the pipe closes and the
 * supervisor stops the tool. A process "exit" hook also stops every capture
 * still running, and withCapture() always stops the capture it started.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { accessSync, constants as fsConstants, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { captureLaunch, findTool, installAdvice, loopbackInterface, permissionAdvice, thisHost, toolOrder } from "./live-tools";

export type CaptureTool = "dumpcap" | "tcpdump";
export type LiveCaptureFormat = "pcap" | "pcapng";

export interface LiveCaptureOptions {
  /** The TCP port to record (the filter is exactly `tcp port N`). */
  port: number;
  /** Where to write; default a new temporary folder (capture.pcapng or capture.pcap). */
  file?: string;
  /** Interface; default the loopback ("lo", or "lo0" on macOS and the BSDs). */
  iface?: string;
  /** Also filter on this host address (`… and host H`). */
  host?: string;
  /** "auto" (default): dumpcap when present, else tcpdump. */
  tool?: "auto" | CaptureTool;
  /** Bytes kept of each packet (-s); default the tool's maximum. */
  snapLength?: number;
  /** Link-layer header type to ask for (-y), e.g. "LINUX_SLL2" with iface "any". */
  linkType?: string;
  /** tcpdump only: "nano" writes a nanosecond-resolution pcap (--time-stamp-precision=nano). */
  timestampPrecision?: "micro" | "nano";
  /** How long to wait for the tool to report that it is capturing (default 10 s). */
  startTimeoutMs?: number;
  /** The POSIX shell that runs the supervisor (default "sh", found on PATH). */
  shell?: string;
}

export interface LiveCaptureResult {
  file: string;
  format: LiveCaptureFormat;
  tool: CaptureTool;
  /** Packets written, as the tool itself reported them (undefined if it did not say). */
  packets: number | undefined;
  /** Packets the kernel dropped before the tool could read them (undefined if not reported). */
  droppedByKernel: number | undefined;
  /** The command that ran (tool path first). */
  command: string[];
  /** What the tool wrote on stderr. */
  stderr: string;
}

export interface StopOptions {
  /**
   * Milliseconds to wait before signalling, so that packets just sent (the
   * last FIN/ACK of a teardown) reach the tool. Default 400 for dumpcap, 100
   * for tcpdump: on SIGINT neither reads what is still in the kernel's ring,
   * and dumpcap (no immediate mode) gets packets only when the kernel hands
   * over a block, at the latest after its 250 ms read timeout; a teardown in
   * the last 250 ms before SIGINT is otherwise lost.
   */
  settleMs?: number;
  /** Milliseconds to wait for the tool to exit after SIGINT before SIGKILL (default 5000). */
  timeoutMs?: number;
}

export interface LiveCapture {
  readonly file: string;
  readonly format: LiveCaptureFormat;
  readonly tool: CaptureTool;
  readonly iface: string;
  /** The BPF filter in use. */
  readonly filter: string;
  readonly command: readonly string[];
  /** The capture tool's process id. */
  readonly pid: number;
  /** Still recording? */
  readonly running: boolean;
  /** Flushes and stops the tool (SIGINT, then waits for it to exit). Safe to call more than once. */
  stop(options?: StopOptions): Promise<LiveCaptureResult>;
}

export type LiveCaptureErrorCode = "no-tool" | "permission" | "no-interface" | "rootless" | "bad-option" | "failed";

/** A live capture that cannot start or did not work; the message says what to do. */
export class LiveCaptureError extends Error {
  override name = "LiveCaptureError";
  readonly code: LiveCaptureErrorCode;
  /** Commands or steps that fix it, most direct first. */
  readonly fixes: string[];
  /** What the tool printed, when it ran. */
  readonly stderr: string | undefined;

  constructor(code: LiveCaptureErrorCode, summary: string, fixes: string[] = [], stderr?: string) {
    super(fixes.length > 0 ? `${summary}\n${fixes.map((f) => `  - ${f}`).join("\n")}` : summary);
    this.code = code;
    this.fixes = fixes;
    this.stderr = stderr;
  }
}

/**
 * "1" in the environment of a command re-executed inside `unshare -rn`; "0"
 * turns the rootless mode off (it is then never chosen automatically).
 */
export const ROOTLESS_ENV = "IOT_WIRE_LAB_ROOTLESS";

/** Is this process the re-executed one, inside the private namespace? */
export function insideRootless(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[ROOTLESS_ENV] === "1";
}

/** The loopback's capture name: lo (Linux), lo0 (macOS, BSDs), \\Device\\NPF_Loopback (Windows, Npcap). */
export function defaultLoopback(platform: NodeJS.Platform = process.platform): string {
  return loopbackInterface({ platform });
}

// ---- finding tools ----------------------------------------------------------

/** The absolute path of an executable, searching PATH and the system's usual tool folders (see live-tools.ts). */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findTool(name, { ...thisHost(), env });
}

/** The first line of `TOOL --version`, e.g. "tcpdump version 4.99.3". */
export function toolVersion(path: string): string | undefined {
  const run = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 5000 });
  const text = `${run.stdout ?? ""}\n${run.stderr ?? ""}`;
  const line = text.split("\n").find((l) => /version|\d+\.\d+/i.test(l) && !/running as user/i.test(l));
  return line?.trim();
}

// ---- what is possible here --------------------------------------------------

export interface RootlessSupport {
  possible: boolean;
  /** Why not, or how. */
  reason: string;
}

export interface CaptureCapabilities {
  platform: NodeJS.Platform;
  /** The loopback interface's name here. */
  loopback: string;
  tools: { dumpcap?: string; tcpdump?: string };
  /** uid 0. */
  root: boolean;
  /** CAP_NET_RAW / CAP_NET_ADMIN in this process's effective set (Linux; root normally has both). */
  capNetRaw: boolean;
  capNetAdmin: boolean;
  /** How each tool is privileged by itself: its file capabilities ("cap_net_admin,cap_net_raw=eip") or "setuid root". */
  toolPrivileges: { dumpcap?: string; tcpdump?: string };
  /** This user is in the `wireshark` group (which Debian's dumpcap is restricted to). */
  wiresharkGroup: boolean;
  /** This process runs inside the rootless namespace. */
  insideRootless: boolean;
  rootless: RootlessSupport;
  /** The best guess, without trying, of whether a live capture works, with which tool and why. */
  live: { possible: boolean; tool?: CaptureTool; via?: "root" | "process-capabilities" | "tool-privileges" | "rootless-namespace"; reason: string };
  /** What to do when live capture is not possible (empty when it is). */
  fixes: string[];
}

/** Effective capability bits of this process, from /proc/self/status (Linux). */
function effectiveCapabilities(): bigint | undefined {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const match = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
    return match ? BigInt(`0x${match[1]}`) : undefined;
  } catch {
    return undefined;
  }
}

// capability.h: CAP_NET_ADMIN is 12, CAP_NET_RAW is 13.
const CAP_NET_ADMIN = 12n;
const CAP_NET_RAW = 13n;

function fileCapabilities(path: string): string | undefined {
  try {
    if ((statSync(path).mode & 0o4000) !== 0) return "setuid root";
  } catch {
    return undefined;
  }
  const getcap = findExecutable("getcap");
  if (!getcap) return undefined;
  const run = spawnSync(getcap, [path], { encoding: "utf8", timeout: 5000 });
  const text = (run.stdout ?? "").trim();
  // getcap prints "PATH cap_net_admin,cap_net_raw=eip" (libcap 2.4x) or "PATH = cap_…+eip" (older).
  const caps = text.slice(path.length).replace(/^\s*=?\s*/, "");
  return /cap_net_raw/.test(caps) ? caps : undefined;
}

function inGroup(name: string): boolean {
  if (typeof process.getgroups !== "function") return false;
  try {
    const line = readFileSync("/etc/group", "utf8")
      .split("\n")
      .find((l) => l.startsWith(`${name}:`));
    if (!line) return false;
    const gid = Number(line.split(":")[2]);
    return process.getgroups().includes(gid);
  } catch {
    return false;
  }
}

let rootlessCache: RootlessSupport | undefined;

/**
 * Can this machine run the rootless mode? Linux, unshare, ip (or ifconfig) and
 * dumpcap present, and the kernel allows an unprivileged user namespace (tried
 * once with `unshare -rn true`, then remembered).
 */
export function rootlessSupport(): RootlessSupport {
  if (rootlessCache) return rootlessCache;
  rootlessCache = checkRootless();
  return rootlessCache;
}

function checkRootless(): RootlessSupport {
  if (process.platform !== "linux") return { possible: false, reason: "rootless mode needs Linux user and network namespaces" };
  if (insideRootless()) return { possible: true, reason: "already inside the rootless namespace" };
  if (process.env[ROOTLESS_ENV] === "0") return { possible: false, reason: `turned off by ${ROOTLESS_ENV}=0` };
  const unshare = findExecutable("unshare");
  if (!unshare) return { possible: false, reason: "unshare is not installed (sudo apt-get install util-linux)" };
  if (!findExecutable("ip") && !findExecutable("ifconfig")) return { possible: false, reason: "neither ip nor ifconfig is installed to bring the namespace's loopback up (sudo apt-get install iproute2)" };
  if (!findExecutable("dumpcap")) return { possible: false, reason: "rootless mode needs dumpcap (tcpdump cannot write its file there): sudo apt-get install tshark" };
  const run = spawnSync(unshare, ["-rn", "true"], { encoding: "utf8", timeout: 5000 });
  if (run.status !== 0) {
    const why = (run.stderr ?? "").trim().split("\n")[0] || `exit code ${run.status}`;
    return {
      possible: false,
      reason: `this kernel or container does not allow unprivileged user namespaces (unshare -rn: ${why}); on Debian/Ubuntu: sudo sysctl -w kernel.unprivileged_userns_clone=1 (or kernel.apparmor_restrict_unprivileged_userns=0)`,
    };
  }
  return { possible: true, reason: "unshare -rn works: dumpcap can capture the loopback of a private network namespace" };
}

export function capabilities(): CaptureCapabilities {
  const tools: CaptureCapabilities["tools"] = {};
  const dumpcap = findExecutable("dumpcap");
  const tcpdump = findExecutable("tcpdump");
  if (dumpcap) tools.dumpcap = dumpcap;
  if (tcpdump) tools.tcpdump = tcpdump;
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const caps = effectiveCapabilities();
  const has = (bit: bigint) => (caps === undefined ? root : ((caps >> bit) & 1n) === 1n);
  const capNetRaw = has(CAP_NET_RAW);
  const capNetAdmin = has(CAP_NET_ADMIN);
  const toolPrivileges: CaptureCapabilities["toolPrivileges"] = {};
  if (dumpcap) {
    const p = fileCapabilities(dumpcap);
    if (p) toolPrivileges.dumpcap = p;
  }
  if (tcpdump) {
    const p = fileCapabilities(tcpdump);
    if (p) toolPrivileges.tcpdump = p;
  }
  const inside = insideRootless();
  const rootless = rootlessSupport();
  const preferred: CaptureTool | undefined = dumpcap ? "dumpcap" : tcpdump ? "tcpdump" : undefined;
  let live: CaptureCapabilities["live"];
  if (!preferred) {
    live = { possible: false, reason: "neither dumpcap nor tcpdump is installed" };
  } else if (inside) {
    live = dumpcap
      ? { possible: true, tool: "dumpcap", via: "rootless-namespace", reason: "inside the rootless namespace, where dumpcap may capture its loopback" }
      : { possible: false, reason: "inside the rootless namespace only dumpcap can capture, and it is not installed" };
  } else if (capNetRaw) {
    live = { possible: true, tool: preferred, via: root ? "root" : "process-capabilities", reason: root ? "running as root" : "this process has CAP_NET_RAW" };
  } else if (toolPrivileges.dumpcap && dumpcap) {
    live = { possible: true, tool: "dumpcap", via: "tool-privileges", reason: `dumpcap is privileged (${toolPrivileges.dumpcap})` };
  } else if (toolPrivileges.tcpdump && tcpdump) {
    live = { possible: true, tool: "tcpdump", via: "tool-privileges", reason: `tcpdump is privileged (${toolPrivileges.tcpdump})` };
  } else if (process.platform === "win32" && dumpcap) {
    live = { possible: true, tool: "dumpcap", via: "tool-privileges", reason: "on Windows Npcap decides who may capture: dumpcap will be tried" };
  } else if (process.platform === "darwin" && bpfReadable()) {
    live = { possible: true, tool: preferred, via: "tool-privileges", reason: "the BPF devices are readable (ChmodBPF)" };
  } else if (rootless.possible && dumpcap) {
    live = { possible: true, tool: "dumpcap", via: "rootless-namespace", reason: "no capture permission here, but the rootless mode works" };
  } else {
    live = { possible: false, reason: "no permission to capture: not root, no CAP_NET_RAW, and the capture tools are not privileged" };
  }
  const fixes = live.possible && live.via !== "rootless-namespace" ? [] : !preferred ? installFixes() : permissionFixes(rootless);
  return {
    platform: process.platform,
    loopback: defaultLoopback(),
    tools,
    root,
    capNetRaw,
    capNetAdmin,
    toolPrivileges,
    wiresharkGroup: inGroup("wireshark"),
    insideRootless: inside,
    rootless,
    live,
    fixes,
  };
}

function bpfReadable(): boolean {
  try {
    accessSync("/dev/bpf0", fsConstants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** How to get a capture tool. */
export function installFixes(platform: NodeJS.Platform = process.platform): string[] {
  return installAdvice({ platform });
}

/** How to get permission to capture. */
export function permissionFixes(rootless: RootlessSupport = rootlessSupport(), platform: NodeJS.Platform = process.platform): string[] {
  const advice = permissionAdvice({ platform });
  if (advice) return advice;
  const fixes = [
    "give dumpcap the capture capabilities: sudo setcap cap_net_raw,cap_net_admin+eip $(command -v dumpcap)",
    "or join the wireshark group: sudo usermod -aG wireshark $USER, then log out and log in again (on Debian/Ubuntu first: sudo dpkg-reconfigure wireshark-common, answer Yes)",
  ];
  fixes.push(
    rootless.possible
      ? "or use the rootless mode, which needs no privileges: add --rootless (e.g. iot-wire-lab tutorial --rootless)"
      : `or use the rootless mode (--rootless) where the kernel allows it; here: ${rootless.reason}`,
  );
  fixes.push("or run the command as root (sudo)");
  return fixes;
}

/** "Permission denied" and "You don't have permission" as tcpdump, dumpcap and libpcap word them. */
export function isPermissionMessage(text: string): boolean {
  return /you don't have permission|permission denied|operation not permitted|not permitted to capture|EACCES|EPERM/i.test(text);
}

// ---- rootless re-execution ----------------------------------------------------

export interface RootlessCommand {
  command: string;
  args: string[];
}

/**
 * `unshare -rn sh -c 'bring lo up; exec "$@"' sh COMMAND ARGS…`: the command
 * runs as root of a new user namespace (mapped to the calling user), in a new
 * network namespace whose loopback is brought up first.
 */
export function rootlessCommand(command: string, args: readonly string[]): RootlessCommand {
  const unshare = findExecutable("unshare") ?? "unshare";
  const ip = findExecutable("ip");
  const ifconfig = findExecutable("ifconfig");
  const up = ip ? `"${ip}" link set lo up` : ifconfig ? `"${ifconfig}" lo up` : "ip link set lo up";
  return { command: unshare, args: ["-rn", "sh", "-c", `${up} && exec "$@"`, "iot-wire-lab-rootless", command, ...args] };
}

/**
 * Runs a command inside `unshare -rn` with IOT_WIRE_LAB_ROOTLESS=1 in its
 * environment, its stdio joined to ours; resolves to its exit code. A CLI
 * re-executes itself this way (the flag tells the inner run not to do it again).
 */
export function runRootless(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const support = rootlessSupport();
  if (!support.possible) return Promise.reject(new LiveCaptureError("rootless", `rootless mode is not possible here: ${support.reason}`));
  const { command: unshare, args: unshareArgs } = rootlessCommand(command, args);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(unshare, unshareArgs, { stdio: "inherit", env: { ...(options.env ?? process.env), [ROOTLESS_ENV]: "1" } });
    // Ctrl-C reaches the child directly (same process group); we only wait for it.
    const ignore = () => undefined;
    process.on("SIGINT", ignore);
    const done = () => process.off("SIGINT", ignore);
    child.once("error", (error) => {
      done();
      reject(new LiveCaptureError("rootless", `cannot run unshare: ${error.message}`));
    });
    child.once("exit", (code, signal) => {
      done();
      resolvePromise(code ?? (signal === "SIGINT" ? 130 : 1));
    });
  });
}

// ---- starting and stopping --------------------------------------------------

interface Running {
  supervisor: ChildProcess;
  toolPid: number;
}

const running = new Set<Running>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const r of running) {
      try {
        // Never pid 0 (that would be our whole process group): before the pid is known, the supervisor stops the tool.
        if (r.toolPid > 0) process.kill(r.toolPid, "SIGTERM");
      } catch {
        // already gone
      }
      try {
        r.supervisor.kill("SIGTERM");
      } catch {
        // already gone
      }
    }
  });
}

/** Captures still running in this process (for tests and diagnostics). */
export function runningCaptures(): number {
  return running.size;
}

/**
 * The tool startCapture would use: dumpcap, else tcpdump (only dumpcap inside
 * the rootless namespace); a LiveCaptureError saying how to install one when
 * there is none.
 */
export function resolveCaptureTool(wanted: "auto" | CaptureTool = "auto"): { tool: CaptureTool; path: string; format: LiveCaptureFormat } {
  const { tool, path } = chooseTool({ port: 1, tool: wanted });
  return { tool, path, format: tool === "dumpcap" ? "pcapng" : "pcap" };
}

function chooseTool(options: LiveCaptureOptions): { tool: CaptureTool; path: string } {
  const wanted = options.tool ?? "auto";
  if (wanted !== "auto" && wanted !== "dumpcap" && wanted !== "tcpdump") throw new LiveCaptureError("bad-option", `tool must be auto, dumpcap or tcpdump, got ${JSON.stringify(wanted)}`);
  const inside = insideRootless();
  if (inside && wanted === "tcpdump") {
    throw new LiveCaptureError("rootless", "tcpdump cannot capture inside the rootless namespace (it fails with \"Couldn't change ownership of savefile\")", ["use dumpcap: sudo apt-get install tshark, and leave --tool out"]);
  }
  const order: CaptureTool[] = toolOrder(wanted, thisHost(), inside);
  for (const tool of order) {
    const path = findExecutable(tool);
    if (path) return { tool, path };
  }
  const what = order.length > 1 ? "neither dumpcap nor tcpdump is installed" : `${wanted === "auto" ? "dumpcap" : wanted} is not installed`;
  const fixes = wanted === "tcpdump" ? ["install it: sudo apt-get install tcpdump (macOS ships /usr/sbin/tcpdump)", "or leave --tool out to use dumpcap"] : installFixes();
  throw new LiveCaptureError("no-tool", `cannot capture live: ${what} (searched PATH and the sbin folders)`, fixes);
}

function checkOptions(options: LiveCaptureOptions): void {
  const { port } = options;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new LiveCaptureError("bad-option", `port must be 1 to 65535, got ${JSON.stringify(port)}`);
  if (options.snapLength !== undefined && (!Number.isInteger(options.snapLength) || options.snapLength < 1 || options.snapLength > 262144)) {
    throw new LiveCaptureError("bad-option", `snapLength must be 1 to 262144 bytes, got ${JSON.stringify(options.snapLength)}`);
  }
  // The host goes into a BPF expression: only an address or a plain host name.
  if (options.host !== undefined && !/^[0-9A-Za-z.:_-]+$/.test(options.host)) throw new LiveCaptureError("bad-option", `host must be an address or a host name, got ${JSON.stringify(options.host)}`);
  if (options.iface !== undefined && !/^[0-9A-Za-z._:@\\{}-]+$/.test(options.iface)) throw new LiveCaptureError("bad-option", `iface must be an interface name, got ${JSON.stringify(options.iface)}`);
  if (options.linkType !== undefined && !/^[0-9A-Za-z_]+$/.test(options.linkType)) throw new LiveCaptureError("bad-option", `linkType must be a DLT name such as LINUX_SLL2, got ${JSON.stringify(options.linkType)}`);
}

/** The BPF filter (pcap-filter(7)) for a port, and a host when given. */
export function captureFilter(port: number, host?: string): string {
  return host ? `tcp port ${port} and host ${host}` : `tcp port ${port}`;
}

function toolArgs(tool: CaptureTool, options: LiveCaptureOptions, iface: string, file: string, filter: string): string[] {
  const args: string[] = [];
  if (tool === "dumpcap") {
    args.push("-i", iface, "-f", filter, "-w", file);
    if (options.snapLength !== undefined) args.push("-s", String(options.snapLength));
    if (options.linkType !== undefined) args.push("-y", options.linkType);
    if (options.timestampPrecision === "nano") throw new LiveCaptureError("bad-option", "timestampPrecision \"nano\" needs tcpdump (dumpcap has no such option); use tool: \"tcpdump\"");
    return args;
  }
  args.push("-i", iface, "--immediate-mode", "-U", "-w", file);
  if (options.snapLength !== undefined) args.push("-s", String(options.snapLength));
  if (options.linkType !== undefined) args.push("-y", options.linkType);
  if (options.timestampPrecision === "nano") args.push("--time-stamp-precision=nano");
  args.push(filter);
  return args;
}

/** "N packets captured" / "Packets captured: N" and the kernel's drops, from the tool's last words. */
export function parseCaptureCounts(tool: CaptureTool, stderr: string): { packets: number | undefined; droppedByKernel: number | undefined } {
  const last = (re: RegExp) => {
    let found: RegExpExecArray | undefined;
    const g = new RegExp(re.source, "g" + re.flags.replace("g", ""));
    for (let m = g.exec(stderr); m; m = g.exec(stderr)) found = m;
    return found;
  };
  if (tool === "tcpdump") {
    const captured = last(/(\d+) packets? captured/);
    const dropped = last(/(\d+) packets? dropped by kernel/);
    return { packets: captured ? Number(captured[1]) : undefined, droppedByKernel: dropped ? Number(dropped[1]) : undefined };
  }
  const captured = last(/Packets captured: (\d+)/);
  const stats = last(/received\/dropped on interface '[^']*': (\d+)\/(\d+)(?: \(pcap:(\d+))?/);
  return {
    packets: captured ? Number(captured[1]) : undefined,
    droppedByKernel: stats ? Number(stats[3] ?? stats[2]) : undefined,
  };
}

function classifyFailure(tool: CaptureTool, iface: string, stderr: string, exit: string): LiveCaptureError {
  const text = stderr.trim();
  const lines = text.split("\n").filter((l) => l.trim() !== "" && !/^Running as user/i.test(l) && !/^Capturing on/i.test(l));
  const said = (lines.slice(0, 3).join(" / ") || exit).replace(/[.\s]+$/, "");
  if (isPermissionMessage(text)) {
    // dumpcap may first complain about cap_set_proc(); the line that names the permission says more.
    const denied = (lines.find((l) => /permission/i.test(l)) ?? lines.find((l) => isPermissionMessage(l)))?.replace(/[.\s]+$/, "") ?? said;
    const fixes = permissionFixes();
    if (tool === "tcpdump") fixes.splice(1, 0, "or the same for tcpdump: sudo setcap cap_net_raw,cap_net_admin+eip $(command -v tcpdump)");
    return new LiveCaptureError("permission", `${tool} may not capture on ${iface} (${denied}). To capture without sudo:`, fixes, stderr);
  }
  if (/no such device|doesn't exist|no suitable device|There is no interface|is not up|SIOCGIFHWADDR/i.test(text)) {
    return new LiveCaptureError("no-interface", `${tool} cannot capture on ${iface}: ${said}`, [`list the interfaces with \`${tool} -D\` and pass one with --iface`], stderr);
  }
  if (/Couldn't change ownership of savefile/i.test(text)) {
    return new LiveCaptureError("rootless", `${tool} cannot write its file here: ${said}`, ["inside a user namespace use dumpcap (sudo apt-get install tshark)"], stderr);
  }
  return new LiveCaptureError("failed", `${tool} failed to start: ${said}`, [], stderr);
}

/**
 * Starts recording `tcp port N` on the loopback and resolves once the tool
 * reports that it is capturing; rejects with a LiveCaptureError saying what
 * to do when it cannot.
 */
export async function startCapture(options: LiveCaptureOptions): Promise<LiveCapture> {
  checkOptions(options);
  const { tool, path } = chooseTool(options);
  const format: LiveCaptureFormat = tool === "dumpcap" ? "pcapng" : "pcap";
  const iface = options.iface ?? defaultLoopback();
  const filter = captureFilter(options.port, options.host);
  // Ubuntu's AppArmor profile for tcpdump limits the file names it may write (*.pcap is one): keep the tool's extension.
  const file = options.file ? resolve(options.file) : join(mkdtempSync(join(tmpdir(), "iot-wire-lab-capture-")), `capture.${format}`);
  mkdirSync(dirname(file), { recursive: true });
  const args = toolArgs(tool, options, iface, file, filter);
  const command = [path, ...args];

  // POSIX: under the supervisor shell; Windows: the tool itself (live-tools.ts).
  const launch = captureLaunch(command, thisHost(), options.shell);
  const supervisor = spawn(launch.command, launch.args, { stdio: ["pipe", "pipe", "pipe"] });
  const record: Running = { supervisor, toolPid: launch.supervised ? 0 : supervisor.pid ?? 0 };
  let stderr = "";
  let stdout = "";
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const exitWaiters: Array<() => void> = [];
  supervisor.stderr!.setEncoding("utf8");
  supervisor.stdout!.setEncoding("utf8");
  supervisor.stderr!.on("data", (d: string) => (stderr += d));
  supervisor.stdout!.on("data", (d: string) => {
    stdout += d;
    if (record.toolPid === 0 && stdout.includes("\n")) record.toolPid = Number(stdout.split("\n")[0]) || 0;
  });
  supervisor.stdin!.on("error", () => undefined); // EPIPE once the supervisor is gone
  running.add(record);
  installExitHook();
  const ended = (code: number | null, signal: NodeJS.Signals | null) => {
    if (exited) return;
    exited = { code, signal };
    running.delete(record);
    for (const wake of exitWaiters.splice(0)) wake();
  };
  supervisor.once("exit", ended);
  // A process that could not be spawned (no `sh`, no tool) emits "error" and never "exit".
  supervisor.on("error", (error) => {
    if (supervisor.pid !== undefined && !spawnError) return; // a later kill() or write failure: "exit" still comes
    spawnError ??= error;
    ended(null, null);
  });
  const waitExit = () => new Promise<void>((r) => (exited ? r() : exitWaiters.push(r)));

  // Ready: tcpdump's "listening on", or dumpcap's "File:" line (printed after the interface and filter are set up).
  const ready = tool === "tcpdump" ? /listening on /i : /^File: /m;
  const startTimeout = options.startTimeoutMs ?? 10000;
  await new Promise<void>((resolveStart, rejectStart) => {
    let settled = false;
    const finish = (error?: LiveCaptureError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      supervisor.stderr!.off("data", check);
      supervisor.stdout!.off("data", check);
      supervisor.off("exit", onExit);
      supervisor.off("error", onError);
      if (error) rejectStart(error);
      else resolveStart();
    };
    // The supervisor echoes the tool's pid first; the tool's own line says it is capturing.
    const check = () => {
      if (ready.test(stderr) && (!launch.supervised || stdout.includes("\n"))) finish();
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      // Read what is left of stderr before deciding.
      setImmediate(() => finish(classifyFailure(tool, iface, stderr, signal ? `killed by ${signal}` : `exit code ${code}`)));
    };
    const onError = (error: Error) =>
      finish(
        new LiveCaptureError(
          "failed",
          `cannot start ${launch.supervised ? `${launch.command} (the shell that supervises ${tool})` : tool}: ${error.message}`,
          launch.supervised ? ["a POSIX shell (sh) must be on PATH; on Windows the tool starts without one"] : [],
        ),
      );
    const timer = setTimeout(() => {
      supervisor.stdin!.end();
      finish(new LiveCaptureError("failed", `${tool} did not start capturing within ${startTimeout} ms${stderr.trim() ? `: ${stderr.trim().split("\n").slice(-2).join(" / ")}` : ""}`, [], stderr));
    }, startTimeout);
    supervisor.stderr!.on("data", check);
    supervisor.stdout!.on("data", check);
    supervisor.once("exit", onExit);
    supervisor.once("error", onError);
    if (spawnError) onError(spawnError);
    check();
  }).catch(async (error: unknown) => {
    if (!exited) {
      try {
        if (record.toolPid > 0) process.kill(record.toolPid, "SIGTERM");
      } catch {
        // already gone
      }
      supervisor.stdin!.end();
      supervisor.kill("SIGTERM");
      await waitExit();
    }
    throw error;
  });

  // A forgotten capture must not keep the process alive: unref now, ref again while stopping.
  supervisor.unref();
  for (const stream of [supervisor.stdin, supervisor.stdout, supervisor.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();

  let stopping: Promise<LiveCaptureResult> | undefined;
  const stop = (stopOptions: StopOptions = {}): Promise<LiveCaptureResult> => {
    stopping ??= (async () => {
      supervisor.ref();
      for (const stream of [supervisor.stdin, supervisor.stdout, supervisor.stderr]) (stream as unknown as { ref?: () => void } | null)?.ref?.();
      const settle = stopOptions.settleMs ?? (tool === "dumpcap" ? 400 : 100);
      if (!exited && settle > 0) await new Promise((r) => setTimeout(r, settle));
      if (!exited) {
        const pid = record.toolPid;
        if (Number.isInteger(pid) && pid > 0) {
          try {
            process.kill(pid, "SIGINT");
          } catch {
            // it stopped by itself (Ctrl-C reached it too)
          }
        } else {
          supervisor.stdin!.end(); // the supervisor's watcher stops the tool
        }
        const timeout = stopOptions.timeoutMs ?? 5000;
        const killer = setTimeout(() => {
          try {
            if (Number.isInteger(pid) && pid > 0) process.kill(pid, "SIGKILL");
            supervisor.kill("SIGKILL");
          } catch {
            // gone
          }
        }, timeout);
        await waitExit();
        clearTimeout(killer);
      }
      supervisor.stdin!.end();
      await drain(supervisor.stderr);
      const { code, signal } = exited!;
      if (code !== 0) {
        throw classifyFailure(tool, iface, stderr, signal ? `killed by ${signal}` : `exit code ${code}`);
      }
      if (!existsSync(file)) throw new LiveCaptureError("failed", `${tool} exited without writing ${file}`, [], stderr);
      return { file, format, tool, command, stderr, ...parseCaptureCounts(tool, stderr) };
    })();
    return stopping;
  };

  return {
    file,
    format,
    tool,
    iface,
    filter,
    command,
    pid: record.toolPid,
    get running() {
      return !exited;
    },
    stop,
  };
}

/** Waits until a stream has delivered everything (after the process exited). */
function drain(stream: Readable | null): Promise<void> {
  if (!stream || stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((r) => {
    stream.once("end", r);
    stream.once("close", r);
  });
}

/**
 * Records while `body` runs and always stops, whether the body returns or
 * throws: `const { value, capture } = await withCapture({ port }, async () => …)`.
 */
export async function withCapture<T>(options: LiveCaptureOptions, body: (capture: LiveCapture) => Promise<T> | T): Promise<{ value: T; capture: LiveCaptureResult }> {
  const capture = await startCapture(options);
  let value: T;
  try {
    value = await body(capture);
  } catch (error) {
    await capture.stop().catch(() => undefined);
    throw error;
  }
  return { value, capture: await capture.stop() };
}
