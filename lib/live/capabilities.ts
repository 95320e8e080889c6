/**
 * What this machine and this user may do, found without trying a capture:
 * which tools are installed, whether this process or the tools themselves hold
 * the capture capabilities, and whether the rootless mode works here. `doctor`,
 * `capture --capabilities` and the notebooks print it; startCapture does not
 * need it (it tries, and explains a refusal).
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants as fsConstants, readFileSync, statSync } from "node:fs";
import { insideRootless, permissionFixes, rootlessSupport, type RootlessSupport } from "./rootless";
import { defaultLoopback, findExecutable, installFixes, type CaptureTool } from "./tools";

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
