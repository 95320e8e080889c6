// `iot-wire-lab tutorial` (what `npm start` runs): the article's whole
// walk-through on this machine, in one go. See lib/tutorial/tutorial.ts.
import { join } from "node:path";
import { UsageError } from "./errors";
import { intOption, numberOption, parseCommandLine } from "./device";
import { capabilities, insideRootless, LiveCaptureError, rootlessSupport, runRootless, type CaptureTool } from "../live/index";
import { DEFAULT_TUTORIAL_SPEED, runTutorial, TutorialError, type TutorialLineKind } from "../tutorial/tutorial";
import { RUNS_KEPT, runsFolder } from "../tutorial/run-folder";
import { terminalText } from "../text/terminal-text";
import { TERMINAL_COLUMNS, wrapText } from "../tutorial/teach";
import { labHome } from "../device/registry";

const USAGE = `usage: iot-wire-lab tutorial [options]      (npm start)

The article "How to Analyze the Network Behaviors of IoT-enabled Devices
Using Wireshark", end to end: a demo device, the embedded IoT platform on the
loopback (port 1883 when it is free), a live capture of that port (dumpcap or
tcpdump), the device program from the article (connect; subscribe after 3 s,
publish after 5 s, disconnect after 8 s, divided by --speed), then the packet
list, what each of the article's sections 3.1-3.6 shows in this capture, the
phase timings and the platform's device log matched to frames. Everything is
saved in a run folder (the newest ${RUNS_KEPT} are kept in ${runsFolder(labHome())}).
The output fits 100 columns; --wide prints the whole packet list.

options:
  --speed N            time scale of the device program (default ${DEFAULT_TUTORIAL_SPEED}: the 8 s script in 4 s)
  --wide               every column of the packet list in full (lines longer than 100 columns)
  --out DIR            save the run in DIR instead of a new run folder
  --no-capture         do not capture: analyse the bundled capture (data/captures/tutorial.pcapng)
  --rootless           capture without privileges inside a private user+network namespace (Linux)
  --tool T             auto (default: dumpcap, else tcpdump), dumpcap or tcpdump
  --tls                the device over TLS (the platform's securemode=2 listener, the lab
                       certificate); the key log is saved beside the capture as
                       tls-keylog.txt (a secret) and the analysis decrypts with it
  --transport T        tcp (default) or ws: MQTT over WebSocket (wss with --tls)
  --mqtt-version V     3.1.1 (default) or 5
  --qos N              0, 1 (default) or 2
  --seed N             seed of the readings (default random)
  --json               the result as one JSON object on stdout (progress on stderr)
  -h, --help           this text

The device registry and the runs live in $IOT_WIRE_LAB_HOME (default ~/.iot-wire-lab).`;

function mqttVersion(value: string | undefined): 4 | 5 | undefined {
  if (value === undefined) return undefined;
  if (value === "3.1.1" || value === "4") return 4;
  if (value === "5" || value === "5.0") return 5;
  throw new UsageError(`--mqtt-version must be 3.1.1 or 5, got ${JSON.stringify(value)}`);
}

/** Re-runs this command inside `unshare -rn` (the inner run sees IOT_WIRE_LAB_ROOTLESS=1). */
function reexecRootless(argv: string[]): Promise<number> {
  return runRootless(process.execPath, [...process.execArgv, join(__dirname, "main.js"), "tutorial", ...argv]);
}

export async function run(argv: string[]): Promise<number> {
  const line = parseCommandLine(
    argv,
    {
      help: { type: "boolean", short: "h" },
      speed: { type: "string" },
      out: { type: "string" },
      "no-capture": { type: "boolean" },
      rootless: { type: "boolean" },
      tool: { type: "string" },
      "mqtt-version": { type: "string" },
      tls: { type: "boolean" },
      transport: { type: "string" },
      qos: { type: "string" },
      seed: { type: "string" },
      json: { type: "boolean" },
      wide: { type: "boolean" },
    },
    "tutorial",
  );
  if (line.flag("help")) {
    console.log(USAGE);
    return 0;
  }
  if (line.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(line.positionals[0])}`);
  const speed = numberOption(line.string("speed"), "speed", { exclusiveMin: 0 });
  const qos = intOption(line.string("qos"), "qos", { min: 0, max: 2 }) as 0 | 1 | 2 | undefined;
  const seed = intOption(line.string("seed"), "seed", { min: 0, max: 0xffffffff });
  const protocolVersion = mqttVersion(line.string("mqtt-version"));
  const tool = line.string("tool") ?? "auto";
  if (tool !== "auto" && tool !== "dumpcap" && tool !== "tcpdump") throw new UsageError(`--tool must be auto, dumpcap or tcpdump, got ${JSON.stringify(tool)}`);
  const transport = line.string("transport") ?? "tcp";
  if (transport !== "tcp" && transport !== "ws") throw new UsageError(`--transport must be tcp or ws, got ${JSON.stringify(transport)}`);
  const noCapture = line.flag("no-capture");
  const rootless = line.flag("rootless");
  if (noCapture && rootless) throw new UsageError("--rootless is for capturing; it makes no sense with --no-capture");
  const json = line.flag("json");
  const wide = line.flag("wide");
  const say = (text: string) => {
    for (const part of wide ? [text] : wrapText(text, TERMINAL_COLUMNS, "", " ".repeat(12))) (json ? console.error : console.log)(part);
  };

  if (!noCapture && !insideRootless()) {
    if (rootless) {
      const support = rootlessSupport();
      if (!support.possible) {
        console.error(`iot-wire-lab tutorial: --rootless is not possible here: ${support.reason}`);
        return 1;
      }
      say("rootless mode: re-running inside a private user+network namespace (unshare -rn), where dumpcap may capture the namespace's own loopback");
      return reexecRootless(argv);
    }
    // Without capture rights, the rootless mode is the way to a live capture: take it at once, before anything starts.
    const caps = capabilities();
    if (caps.live.possible && caps.live.via === "rootless-namespace" && tool !== "tcpdump") {
      say(`no permission to capture as this user (${caps.root ? "root without CAP_NET_RAW" : "not root, and dumpcap/tcpdump are not privileged"}); re-running in rootless mode (unshare -rn), which needs none`);
      return reexecRootless(argv);
    }
  }

  const log = (raw: string, kind: TutorialLineKind) => {
    // Tables escape their own cells (renderTextTable); other lines may quote what a device sent.
    const text = kind === "table" ? raw : terminalText(raw);
    if (!json) console.log(text);
    else if (kind !== "table") console.error(text);
  };
  try {
    const result = await runTutorial({
      speed,
      out: line.string("out"),
      capture: noCapture ? "bundled" : "auto",
      tool: tool as "auto" | CaptureTool,
      protocolVersion,
      qos,
      seed,
      wide,
      tls: line.flag("tls"),
      transport,
      log,
    });
    if (json) console.log(JSON.stringify(result));
    else say(`done in ${(result.durationMs / 1000).toFixed(1)} s. The run is in ${result.runDir}`);
    return 0;
  } catch (error) {
    if (error instanceof TutorialError || error instanceof LiveCaptureError) {
      console.error(`iot-wire-lab tutorial: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
