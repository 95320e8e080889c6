/**
 * Run a command and measure its wall time and peak memory (VmHWM from
 * /proc, sampled until it exits), without depending on /usr/bin/time.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

export interface Measurement {
  seconds: number;
  peakRssMiB: number;
  exitCode: number | null;
  stderr: string;
}

function peakOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export function measure(command: string, args: string[], options: { stdout?: "ignore" | "pipe" } = {}): Promise<Measurement & { stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ["ignore", options.stdout ?? "ignore", "pipe"] });
    let peak = 0;
    let stderr = "";
    let stdout = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    const timer = setInterval(() => {
      if (child.pid) peak = Math.max(peak, peakOf(child.pid));
    }, 20);
    child.on("error", (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.on("exit", (code) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ seconds, peakRssMiB: peak, exitCode: code, stderr, stdout });
    });
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
