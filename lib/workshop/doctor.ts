/**
 * `iot-wire-lab doctor`: what works on this machine for the workshop, one
 * line per part, each OK or MISSING, and for each MISSING the exact command
 * that fixes it on this operating system. An instructor runs it on every
 * laptop of a room before the session.
 *
 * The checks read the machine through a `DoctorProbe`, so each line is
 * tested with the machine faked (a Windows laptop without Wireshark, a Mac
 * without ChmodBPF, a Debian without Jupyter).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { capabilities } from "../live/capabilities";
import { findTool, installFixes, thisHost } from "../live/tools";
import { bundledCapturesDir } from "../tutorial/bundled";
import { TERMINAL_COLUMNS, wrapText } from "../tutorial/teach";
import { findJupyterFrontend, jupyterInstallCommands, onPath, type JupyterFrontend } from "./jupyter";

/** The oldest Node.js the project supports (package.json "engines"). */
export const MINIMUM_NODE = "20.19.0";

export type CheckStatus = "OK" | "MISSING";

export interface DoctorCheck {
  /** Short name: node, capture tool, capture rights, jupyter, tslab kernel, browser, tshark, mosquitto. */
  name: string;
  status: CheckStatus;
  /** What was found, or what is missing. */
  detail: string;
  /** Commands or steps that fix a MISSING line (empty when OK). */
  fix: string[];
  /** Nice to have: the workshop runs without it. */
  optional: boolean;
}

/** What the checks look at; `machineProbe()` is the real machine. */
export interface DoctorProbe {
  platform: NodeJS.Platform;
  /** process.versions.node, e.g. "20.19.2". */
  nodeVersion: string;
  /** The path of a command-line tool (PATH, then the system's usual folders), or undefined. */
  findTool(name: string): string | undefined;
  /** Can this machine capture the loopback live, with what, and how to fix it? */
  capture(): { tool?: string; possible: boolean; via?: string; reason: string; fixes: string[] };
  jupyter(): JupyterFrontend | undefined;
  /** tslab's executable in this installation's node_modules, when installed. */
  tslab(): string | undefined;
  /** How the HTML report opens in a browser here, or undefined. */
  browser(): string | undefined;
}

/** True when `version` (x.y.z) is at least `minimum`. */
export function versionAtLeast(version: string, minimum: string): boolean {
  const parse = (v: string) => v.replace(/^v/, "").split(".").map((n) => Number.parseInt(n, 10) || 0);
  const [a, b] = [parse(version), parse(minimum)];
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

const LINUX_BROWSERS = ["xdg-open", "sensible-browser", "chromium", "chromium-browser", "google-chrome", "firefox", "firefox-esr"];

export function machineProbe(): DoctorProbe {
  const host = thisHost();
  return {
    platform: process.platform,
    nodeVersion: process.versions.node,
    findTool: (name) => findTool(name, host),
    capture: () => {
      const caps = capabilities();
      const tool = caps.live.tool ?? (caps.tools.dumpcap ? "dumpcap" : caps.tools.tcpdump ? "tcpdump" : undefined);
      return { ...(tool ? { tool: caps.tools[tool as "dumpcap" | "tcpdump"] ?? tool } : {}), possible: caps.live.possible, ...(caps.live.via ? { via: caps.live.via } : {}), reason: caps.live.reason, fixes: caps.fixes };
    },
    jupyter: () => findJupyterFrontend(),
    tslab: () => {
      const captures = bundledCapturesDir();
      const root = captures ? join(captures, "..", "..") : undefined;
      const path = root ? join(root, "node_modules", "tslab", "bin", "tslab") : undefined;
      return path && existsSync(path) ? path : undefined;
    },
    browser: () => {
      if (process.platform === "darwin") return "open (macOS)";
      if (process.platform === "win32") return "start (Windows)";
      if (process.env.BROWSER) return `$BROWSER (${process.env.BROWSER})`;
      for (const name of LINUX_BROWSERS) {
        const path = onPath(name);
        if (path) return path;
      }
      return undefined;
    },
  };
}

function nodeFix(platform: NodeJS.Platform): string[] {
  if (platform === "win32") return ["winget install OpenJS.NodeJS.LTS (or https://nodejs.org), then open a new terminal"];
  if (platform === "darwin") return ["brew install node@22 (or https://nodejs.org)"];
  return ["install Node.js 20.19 or newer: https://nodejs.org, or nvm install 22 (Debian 12's own nodejs package is 18: too old)"];
}

function browserFix(platform: NodeJS.Platform): string[] {
  if (platform === "linux") return ["sudo apt-get install xdg-utils chromium (or firefox-esr)", "or open report.html from the file manager"];
  return ["open report.html from the file manager"];
}

function tsharkFix(platform: NodeJS.Platform): string[] {
  if (platform === "win32") return ["comes with Wireshark for Windows: C:\\Program Files\\Wireshark\\tshark.exe (winget install WiresharkFoundation.Wireshark)"];
  if (platform === "darwin") return ["comes with Wireshark.app: /Applications/Wireshark.app/Contents/MacOS/tshark (brew install --cask wireshark)"];
  return ["sudo apt-get install tshark"];
}

function mosquittoFix(platform: NodeJS.Platform): string[] {
  if (platform === "win32") return ["the Windows installer from https://mosquitto.org/download/"];
  if (platform === "darwin") return ["brew install mosquitto"];
  return ["sudo apt-get install mosquitto mosquitto-clients"];
}

/** Every check, in the order a learner meets them. */
export function runChecks(probe: DoctorProbe = machineProbe()): DoctorCheck[] {
  const { platform } = probe;
  const checks: DoctorCheck[] = [];
  const add = (name: string, ok: boolean, detail: string, fix: string[], optional = false) => checks.push({ name, status: ok ? "OK" : "MISSING", detail, fix: ok ? [] : fix, optional });

  const nodeOk = versionAtLeast(probe.nodeVersion, MINIMUM_NODE);
  add("node", nodeOk, `Node.js ${probe.nodeVersion}${nodeOk ? "" : `: ${MINIMUM_NODE.replace(/\.0$/, "")} or newer is needed`}`, nodeFix(platform));

  const capture = probe.capture();
  add("capture tool", capture.tool !== undefined, capture.tool ?? "neither dumpcap nor tcpdump found", installFixes(platform));
  add(
    "capture rights",
    capture.possible,
    capture.possible ? `${capture.reason}${capture.via === "rootless-namespace" ? " (npm start re-runs itself in rootless mode)" : ""}` : `${capture.reason}; npm start uses the bundled capture instead`,
    capture.tool === undefined ? ["install a capture tool first (the line above)"] : capture.fixes,
  );

  const jupyter = probe.jupyter();
  add("jupyter", jupyter !== undefined, jupyter ? `${jupyter.kind === "lab" ? "JupyterLab" : "the classic Notebook"}: ${jupyter.command.join(" ")}` : "neither JupyterLab nor the classic Notebook found", [
    ...jupyterInstallCommands(platform),
    "or VS Code with the Jupyter extension (ms-toolsai.jupyter)",
  ]);

  const tslab = probe.tslab();
  add("tslab kernel", tslab !== undefined, tslab ? `${tslab} (npm run notebook registers it for this project)` : "tslab is not in node_modules", ["npm ci (in the project folder)"]);

  const browser = probe.browser();
  add("browser", browser !== undefined, browser ? `the HTML report opens with ${browser}` : "no browser or xdg-open found for the HTML report", browserFix(platform));

  const tshark = probe.findTool("tshark");
  add("tshark", tshark !== undefined, tshark ?? "not found (optional: Wireshark's command line, used by the tests and -Y filters)", tsharkFix(platform), true);
  const mosquitto = probe.findTool("mosquitto");
  add("mosquitto", mosquitto !== undefined, mosquitto ?? "not found (optional: a real broker for simulate --broker and the tests)", mosquittoFix(platform), true);
  return checks;
}

/** The checks as lines within `width` columns: status, name, what was found, then each fix. */
export function formatChecks(checks: readonly DoctorCheck[], width: number = TERMINAL_COLUMNS): string[] {
  const lines: string[] = [];
  for (const check of checks) {
    lines.push(...wrapText(check.detail, width, `${check.status.padEnd(8)} ${check.name.padEnd(15)} `, " ".repeat(25)));
    for (const fix of check.fix) lines.push(...wrapText(fix, width, `${" ".repeat(9)}fix: `, " ".repeat(16)));
  }
  const missing = checks.filter((c) => c.status === "MISSING" && !c.optional);
  lines.push("");
  lines.push(...wrapText(missing.length === 0 ? "Ready for the workshop." : `${missing.length} thing(s) to fix before the workshop: ${missing.map((c) => c.name).join(", ")}.`, width));
  return lines;
}
