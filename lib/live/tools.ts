/**
 * Which capture tool to run, where it lives, and how to get one, for each
 * operating system. The decisions are pure functions of a `CaptureHost` (the
 * platform, the environment and a file check), so the choices for Linux,
 * macOS and Windows are all unit-tested on any machine; the rest of lib/live/
 * runs them with `thisHost()`.
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
import { spawnSync } from "node:child_process";
import { accessSync, constants as fsConstants, statSync } from "node:fs";
import { posix, win32 } from "node:path";

export type CaptureTool = "dumpcap" | "tcpdump";

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
export function toolOrder(wanted: "auto" | CaptureTool, host: Pick<CaptureHost, "platform">, insideRootless = false): CaptureTool[] {
  if (wanted !== "auto") return [wanted];
  if (insideRootless || host.platform === "win32") return ["dumpcap"];
  return ["dumpcap", "tcpdump"];
}

/** The loopback's capture name: lo (Linux), lo0 (macOS, BSDs), \\Device\\NPF_Loopback (Windows, Npcap). */
export function defaultLoopback(platform: NodeJS.Platform = process.platform): string {
  return loopbackInterface({ platform });
}

/** The absolute path of an executable, searching PATH and the system's usual tool folders (see extraToolDirs). */
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

/** How to get a capture tool, on this machine's system. */
export function installFixes(platform: NodeJS.Platform = process.platform): string[] {
  return installAdvice({ platform });
}
