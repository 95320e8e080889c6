/**
 * The lifecycle of a capture process. No capture process outlives its owner:
 * each tool runs under a small shell supervisor whose standard input is a
 * pipe from this process. When this process goes away (exit, crash, even
 * SIGKILL) the pipe closes and the supervisor stops the tool. A process
 * "exit" hook also stops every capture still running (the only guard on
 * Windows, where there is no `sh` and the tool is our own child), and
 * withCapture() always stops the capture it started.
 */
import type { ChildProcess } from "node:child_process";
import type { Readable } from "node:stream";
import type { CaptureHost } from "./tools";

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

// ---- captures running in this process -----------------------------------------

/** A started capture: its supervisor (or, on Windows, the tool itself) and the tool's pid once known (0 before). */
export interface RunningCapture {
  supervisor: ChildProcess;
  toolPid: number;
}

const running = new Set<RunningCapture>();
let exitHookInstalled = false;

/** Counts a capture as running until `untrack`, and makes sure the exit hook stops it if this process ends first. */
export function trackCapture(capture: RunningCapture): { untrack(): void } {
  running.add(capture);
  installExitHook();
  return { untrack: () => void running.delete(capture) };
}

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

/** Waits until a stream has delivered everything (after the process exited). */
export function drain(stream: Readable | null): Promise<void> {
  if (!stream || stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((r) => {
    stream.once("end", r);
    stream.once("close", r);
  });
}
