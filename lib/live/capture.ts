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
 *
 * Which tool and where (tools.ts), the rights to capture and the rootless
 * mode (rootless.ts, capabilities.ts) and the process lifecycle
 * (supervisor.ts) are decided beside this file.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { LiveCaptureError } from "./errors";
import { insideRootless, isPermissionMessage, permissionFixes } from "./rootless";
import { captureLaunch, drain, trackCapture, type RunningCapture } from "./supervisor";
import { defaultLoopback, findExecutable, installFixes, thisHost, toolOrder, type CaptureTool } from "./tools";

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

  // POSIX: under the supervisor shell; Windows: the tool itself (supervisor.ts).
  const launch = captureLaunch(command, thisHost(), options.shell);
  const supervisor = spawn(launch.command, launch.args, { stdio: ["pipe", "pipe", "pipe"] });
  const record: RunningCapture = { supervisor, toolPid: launch.supervised ? 0 : supervisor.pid ?? 0 };
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
  const tracked = trackCapture(record);
  const ended = (code: number | null, signal: NodeJS.Signals | null) => {
    if (exited) return;
    exited = { code, signal };
    tracked.untrack();
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
