// Starts Debian's Mosquitto broker for a test: on a free port of 127.0.0.1,
// with a minimal config file that allows anonymous clients, no persistence.
// stop() ends the process this helper started (by its pid) and removes the files.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Mosquitto {
  url: string;
  port: number;
  /** What mosquitto printed (its log goes to stderr). */
  output(): string;
  stop(): Promise<void>;
}

/** What every test broker's config starts with: anonymous clients, no persistence, the log on stderr. */
export const MOSQUITTO_BASE_CONFIG = ["allow_anonymous true", "persistence false", "log_dest stderr", "log_type error", "log_type warning", "log_type notice"];

/** A port that was free a moment ago (the kernel picks it for a listener on port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    // Close both ways before answering, so that no packet of this probe can
    // land in a capture started right after the broker is ready.
    socket.once("connect", () => {
      socket.once("close", () => resolve(true));
      socket.end();
      socket.resume();
    });
    socket.once("error", () => resolve(false));
  });
}

export interface MosquittoProcess {
  /** What mosquitto printed (its log goes to stderr). */
  output(): string;
  /** Ends the process this helper started (by its pid) and removes `dir`. */
  stop(): Promise<void>;
}

/**
 * Runs `mosquitto -c DIR/mosquitto.conf` with the given config text and waits
 * (up to 5 s) until every port in `ready` accepts connections; on failure the
 * error carries what mosquitto printed, and `dir` is removed.
 */
export async function launchMosquitto(binary: string, dir: string, config: string, ready: number[]): Promise<MosquittoProcess> {
  const file = join(dir, "mosquitto.conf");
  writeFileSync(file, config);
  const child: ChildProcess = spawn(binary, ["-c", file], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let alive = true;
  void exited.then(() => (alive = false));

  const deadline = Date.now() + 5000;
  const allReady = async () => (await Promise.all(ready.map(canConnect))).every(Boolean);
  while (!(await allReady())) {
    if (!alive || Date.now() > deadline) {
      if (alive && child.pid !== undefined) process.kill(child.pid, "SIGKILL");
      await exited;
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`mosquitto did not start on port(s) ${ready.join(", ")}: ${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    output: () => output,
    async stop() {
      if (alive && child.pid !== undefined) process.kill(child.pid, "SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startMosquitto(binary: string): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), "iwl-mosquitto-"));
  const port = await freePort();
  const config = [...MOSQUITTO_BASE_CONFIG, `listener ${port} 127.0.0.1`, ""].join("\n");
  const broker = await launchMosquitto(binary, dir, config, [port]);
  return { url: `mqtt://127.0.0.1:${port}`, port, ...broker };
}
