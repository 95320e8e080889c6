/**
 * Which capture tool to run, where it lives and how to start it, for each
 * operating system. Pure decisions over a `CaptureHost` (the platform, the
 * environment and a file check), so the choices for Linux, macOS and Windows
 * are all unit-tested on any machine; lib/capture/live.ts runs them with
 * `thisHost()`.
 *
 * Facts per system:
 *
 * - Linux: the loopback is `lo`. Debian puts tcpdump in /usr/sbin, often
 *   missing from a normal user's PATH. Tools run under the POSIX supervisor
 *   shell below, so that no capture outlives the Node process.
 * - macOS: the loopback is `lo0`. Wireshark.app carries dumpcap in
 *   /Applications/Wireshark.app/Contents/MacOS (it is not on PATH unless the
 *   "Install Command Line Tools" package was run); tcpdump ships in /usr/sbin.
 *   Capturing means reading /dev/bpf*: Wireshark's "ChmodBPF" package gives
 *   that right to the `access_bpf` group.
 * - Windows: Wireshark installs dumpcap.exe in %ProgramFiles%\Wireshark, not
 *   on PATH. Npcap captures the loopback through its own adapter,
 *   `\Device\NPF_Loopback`, when installed with "Support loopback traffic".
 *   There is no `sh`: the tool starts directly, never through a shell.
 */
import { accessSync, constants as fsConstants, statSync } from "node:fs";
import { posix, win32 } from "node:path";

export type CaptureToolName = "dumpcap" | "tcpdump";

/** What the decisions depend on; `thisHost()` is the real machine. */
export interface CaptureHost {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** Is `path` an executable file? */
  isExecutable(path: string): boolean;
}

function executableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    // Windows has no execute bit: a file that exists will do.
    if (process.platform !== "win32") accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function thisHost(): CaptureHost {
  return { platform: process.platform, env: process.env, isExecutable: executableFile };
}

const isWindows = (host: CaptureHost) => host.platform === "win32";
const pathOf = (host: CaptureHost) => (isWindows(host) ? win32 : posix);

/** The Npcap adapter that sees loopback traffic (Npcap's "Support loopback traffic" option). */
export const NPCAP_LOOPBACK = "\\Device\\NPF_Loopback";
export const MACOS_WIRESHARK_DIR = "/Applications/Wireshark.app/Contents/MacOS";

/** The loopback interface's capture name. */
export function loopbackInterface(host: Pick<CaptureHost, "platform">): string {
  if (host.platform === "linux") return "lo";
  if (host.platform === "win32") return NPCAP_LOOPBACK;
  return "lo0"; // macOS and the BSDs
}

/** Folders searched after PATH, per system. */
export function extraToolDirs(host: CaptureHost): string[] {
  if (isWindows(host)) {
    const roots = [host.env.ProgramFiles, host.env["ProgramFiles(x86)"], host.env.ProgramW6432, "C:\\Program Files"].filter((d): d is string => !!d);
    return [...new Set(roots.map((root) => win32.join(root, "Wireshark")))];
  }
  if (host.platform === "darwin") return ["/usr/sbin", "/usr/local/bin", "/opt/homebrew/bin", MACOS_WIRESHARK_DIR];
  // sbin folders are often missing from a normal user's PATH, and tcpdump lives there on some systems.
  return ["/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/local/bin"];
}

/** The absolute path of an executable, searching PATH and then the system's usual tool folders. */
export function findTool(name: string, host: CaptureHost = thisHost()): string | undefined {
  const path = pathOf(host);
  const pathVar = isWindows(host) ? host.env.Path ?? host.env.PATH : host.env.PATH;
  const dirs = [...(pathVar ?? "").split(path.delimiter).filter((d) => d !== ""), ...extraToolDirs(host)];
  const file = isWindows(host) && !/\.exe$/i.test(name) ? `${name}.exe` : name;
  for (const dir of dirs) {
    const candidate = path.join(dir, file);
    if (host.isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** The tools to try, in order. Windows has only dumpcap; inside the rootless namespace only dumpcap works. */
export function toolOrder(wanted: "auto" | CaptureToolName, host: Pick<CaptureHost, "platform">, insideRootless = false): CaptureToolName[] {
  if (wanted !== "auto") return [wanted];
  if (insideRootless || host.platform === "win32") return ["dumpcap"];
  return ["dumpcap", "tcpdump"];
}

/**
 * The supervisor shell (POSIX systems). fd 3 keeps our pipe (an asynchronous
 * list's stdin is /dev/null, POSIX sh §2.9.3); the watcher reads it until EOF,
 * which comes when we close it or die, and then stops the tool. The shell
 * itself ignores SIGINT so that Ctrl-C in a terminal stops only the tool, and
 * it exits with the tool's status after the tool has finished writing. It
 * echoes the tool's pid first.
 */
export const SUPERVISOR = [
  "exec 3<&0",
  "trap '' INT",
  '"$@" </dev/null &',
  "tool=$!",
  'echo "$tool"',
  '{ while read -r _ <&3; do :; done; kill -TERM "$tool" 2>/dev/null; } &',
  "watcher=$!",
  'wait "$tool"',
  "status=$?",
  'kill "$watcher" 2>/dev/null',
  'exit "$status"',
].join("\n");

export interface CaptureLaunch {
  /** What to spawn. */
  command: string;
  args: string[];
  /** Started under the supervisor shell, which prints the tool's pid on stdout first. */
  supervised: boolean;
}

/**
 * How to start `[toolPath, ...args]`: under the supervisor shell on POSIX
 * systems, directly on Windows (no `sh` there; the tool is this process's own
 * child, stopped by the process exit hook).
 */
export function captureLaunch(toolCommand: readonly string[], host: Pick<CaptureHost, "platform">, shell = "sh"): CaptureLaunch {
  const [tool, ...args] = toolCommand;
  if (host.platform === "win32") return { command: tool!, args, supervised: false };
  return { command: shell, args: ["-c", SUPERVISOR, "iot-wire-lab-capture", ...toolCommand], supervised: true };
}

/** How to get a capture tool, for this system. */
export function installAdvice(host: Pick<CaptureHost, "platform">): string[] {
  if (host.platform === "win32") {
    return [
      "install Wireshark for Windows (https://www.wireshark.org/download.html, or: winget install WiresharkFoundation.Wireshark); it brings dumpcap.exe to C:\\Program Files\\Wireshark",
      "in its Npcap installer tick \"Support loopback traffic\" (the Npcap Loopback Adapter)",
    ];
  }
  if (host.platform === "darwin") {
    return [
      "install Wireshark (https://www.wireshark.org/download.html, or: brew install --cask wireshark): dumpcap is in /Applications/Wireshark.app/Contents/MacOS",
      "or use macOS's own /usr/sbin/tcpdump",
    ];
  }
  return ["install Wireshark's dumpcap: sudo apt-get install tshark", "or install tcpdump: sudo apt-get install tcpdump", "(Fedora: sudo dnf install wireshark-cli tcpdump)"];
}

/** How to get the right to capture, for macOS and Windows (Linux: see permissionFixes in live.ts). */
export function permissionAdvice(host: Pick<CaptureHost, "platform">): string[] | undefined {
  if (host.platform === "win32") {
    return [
      "run the terminal as Administrator (right-click → Run as administrator), or",
      "reinstall Npcap without \"Restrict Npcap driver's access to Administrators only\", and with \"Support loopback traffic\"",
    ];
  }
  if (host.platform === "darwin") {
    return [
      "let your user read the BPF devices: run \"Install ChmodBPF.pkg\" from the Wireshark disk image (it adds you to the access_bpf group), then log out and in",
      "or for this session only: sudo chmod o+r /dev/bpf*",
      "or run the command with sudo",
    ];
  }
  return undefined;
}
