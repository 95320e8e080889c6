// `iot-wire-lab capture`: record one TCP port on the loopback with dumpcap or
// tcpdump until Ctrl-C, --duration, or the end of a command run alongside.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { UsageError } from "./errors";
import { intOption, numberOption, parseCommandLine } from "./device";
import {
  capabilities,
  insideRootless,
  LiveCaptureError,
  resolveCaptureTool,
  rootlessSupport,
  runRootless,
  startCapture,
  type CaptureCapabilities,
  type CaptureTool,
} from "../live/index";

const USAGE = `usage: iot-wire-lab capture --port N [options] [-- COMMAND [ARGS…]]

Records "tcp port N" on the loopback: dumpcap writes pcapng, tcpdump pcap.
Stops at Ctrl-C, after --duration, or when COMMAND (run alongside) exits.

options:
  --port N             the TCP port to record (required, except with --capabilities)
  -w, --write FILE     default capture-<time>.pcapng (or .pcap) in the current folder
  --tool T             auto (default: dumpcap, else tcpdump), dumpcap or tcpdump
  --iface I            default the loopback (lo)
  --host H             also filter on this host address
  --duration S         stop after S seconds
  --rootless           run inside a private user+network namespace (unshare -rn), where an
                       unprivileged user may capture; only programs in that namespace are seen,
                       so give the COMMAND that makes the traffic, e.g.
                       iot-wire-lab capture --rootless --port 1883 -- iot-wire-lab platform start --port 1883
  --capabilities       print what is possible here (tools, permissions, rootless mode) and exit
  --json               print the result (or the capabilities) as JSON
  -h, --help           this text

Exit codes: 0 recorded, 1 the capture could not be made (the message says how to fix it), 2 bad options.`;

function stamp(date = new Date()): string {
  return date.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
}

function describeCapabilities(c: CaptureCapabilities): string {
  const lines = [
    `platform      ${c.platform} (loopback ${c.loopback})`,
    `dumpcap       ${c.tools.dumpcap ?? "not installed"}${c.toolPrivileges.dumpcap ? ` [${c.toolPrivileges.dumpcap}]` : ""}`,
    `tcpdump       ${c.tools.tcpdump ?? "not installed"}${c.toolPrivileges.tcpdump ? ` [${c.toolPrivileges.tcpdump}]` : ""}`,
    `user          ${c.root ? "root" : "not root"}; CAP_NET_RAW ${c.capNetRaw ? "yes" : "no"}, CAP_NET_ADMIN ${c.capNetAdmin ? "yes" : "no"}; wireshark group ${c.wiresharkGroup ? "yes" : "no"}`,
    `rootless      ${c.insideRootless ? "inside the namespace now" : c.rootless.possible ? "possible" : "not possible"}: ${c.rootless.reason}`,
    `live capture  ${c.live.possible ? `possible with ${c.live.tool} (${c.live.reason})` : `not possible: ${c.live.reason}`}`,
  ];
  if (c.fixes.length > 0) lines.push("to capture live:", ...c.fixes.map((f) => `  - ${f}`));
  return lines.join("\n");
}

export async function run(argv: string[]): Promise<number> {
  // Everything after "--" is the command to run alongside.
  const dashes = argv.indexOf("--");
  const own = dashes >= 0 ? argv.slice(0, dashes) : argv;
  const command = dashes >= 0 ? argv.slice(dashes + 1) : [];
  const line = parseCommandLine(
    own,
    {
      help: { type: "boolean", short: "h" },
      port: { type: "string" },
      write: { type: "string", short: "w" },
      tool: { type: "string" },
      iface: { type: "string" },
      host: { type: "string" },
      duration: { type: "string" },
      rootless: { type: "boolean" },
      capabilities: { type: "boolean" },
      json: { type: "boolean" },
    },
    "capture",
  );
  if (line.flag("help")) {
    console.log(USAGE);
    return 0;
  }
  const json = line.flag("json");
  if (line.flag("capabilities")) {
    const c = capabilities();
    console.log(json ? JSON.stringify(c, null, 2) : describeCapabilities(c));
    return 0;
  }
  if (line.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(line.positionals[0])} (put a command after --)`);
  const port = intOption(line.string("port"), "port", { min: 1, max: 65535 });
  if (port === undefined) throw new UsageError("--port is required (see `iot-wire-lab capture --help`)");
  const duration = numberOption(line.string("duration"), "duration", { exclusiveMin: 0 });
  const tool = line.string("tool") ?? "auto";
  if (tool !== "auto" && tool !== "dumpcap" && tool !== "tcpdump") throw new UsageError(`--tool must be auto, dumpcap or tcpdump, got ${JSON.stringify(tool)}`);
  if (command.length === 0 && dashes >= 0) throw new UsageError("nothing after --: give the command to run while capturing");

  if (line.flag("rootless") && !insideRootless()) {
    if (command.length === 0) {
      throw new UsageError("--rootless captures a private network namespace, where nothing happens unless you start it there: add -- COMMAND (e.g. -- iot-wire-lab simulate)");
    }
    const support = rootlessSupport();
    if (!support.possible) {
      console.error(`iot-wire-lab capture: --rootless is not possible here: ${support.reason}`);
      return 1;
    }
    return runRootless(process.execPath, [...process.execArgv, join(__dirname, "main.js"), "capture", ...argv]);
  }

  let file = line.string("write");
  try {
    if (!file) file = `capture-${stamp()}.${resolveCaptureTool(tool as "auto" | CaptureTool).format}`;
    const capture = await startCapture({ port, file, tool: tool as "auto" | CaptureTool, iface: line.string("iface"), host: line.string("host") });
    console.error(`capturing "${capture.filter}" on ${capture.iface} with ${capture.tool} → ${capture.file}${command.length ? "" : duration ? ` for ${duration} s` : " (Ctrl-C to stop)"}`);
    let exitCode = 0;
    // Keeps the process alive while waiting (a capture alone does not).
    const keepAlive = setInterval(() => undefined, 1 << 30);
    try {
      await new Promise<void>((resolveWait) => {
        const stopOn: Array<() => void> = [];
        const done = () => {
          for (const off of stopOn) off();
          resolveWait();
        };
        // Ctrl-C reaches the whole process group: with a command, wait for it to finish its own shutdown.
        const onSignal = () => {
          if (command.length === 0) done();
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
        stopOn.push(() => process.off("SIGINT", onSignal), () => process.off("SIGTERM", onSignal));
        if (duration) {
          const timer = setTimeout(done, duration * 1000);
          stopOn.push(() => clearTimeout(timer));
        }
        if (command.length > 0) {
          const child = spawn(command[0]!, command.slice(1), { stdio: "inherit" });
          child.once("error", (error) => {
            console.error(`iot-wire-lab capture: cannot run ${command[0]}: ${error.message}`);
            exitCode = 127;
            done();
          });
          child.once("exit", (code, signal) => {
            exitCode = code ?? (signal === "SIGINT" ? 0 : 1);
            done();
          });
        }
      });
    } finally {
      clearInterval(keepAlive);
    }
    const result = await capture.stop();
    if (json) console.log(JSON.stringify({ ...result, stderr: undefined }));
    else console.log(`${result.file}: ${result.packets ?? "?"} packets (${result.tool}'s count), ${result.droppedByKernel ?? "?"} dropped by the kernel`);
    return exitCode;
  } catch (error) {
    if (error instanceof LiveCaptureError) {
      if (error.code === "bad-option") throw new UsageError(error.message);
      console.error(`iot-wire-lab capture: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
