// `iot-wire-lab platform start|log`: run the embedded IoT platform in the
// foreground, and read its device log.
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "./errors";
import { asUsageError, intOption, openRegistry, parseCommandLine } from "./device";
import { labHome, defaultRegistryPath } from "../device/registry";
import { startPlatform, PlatformError } from "../platform/platform";
import { PLATFORM_KEEPALIVE } from "../platform/login";
import { labCertificatePath } from "../platform/certificate";
import { DEFAULT_SIGNATURE_MAX_AGE_MS } from "../device/explain";
import { formatDeviceLogLine, formatDeviceLogTable, parseDeviceLog, type DeviceLogEntry } from "../platform/device-log";

export function defaultDeviceLogPath(): string {
  return join(labHome(), "device-log.jsonl");
}

const USAGE = `usage: iot-wire-lab platform <command> [options]

commands:
  start   run the embedded IoT platform until Ctrl-C (or SIGTERM)
            --port N            default 1883 (0 picks a free port)
            --host H            default 127.0.0.1
            --tls               also MQTT over TLS (securemode=2) with the lab
                                certificate (made at first use under the lab folder)
            --tls-port N        default 8883
            --ws                also MQTT over WebSocket at ws://HOST:PORT/mqtt
                                (with --tls also wss://HOST:WSS-PORT/mqtt)
            --ws-port N         default 8083
            --wss-port N        default 8084
            --registry FILE     default ${defaultRegistryPath()}
            --log FILE          device log (JSON lines), default ${defaultDeviceLogPath()}
            --keepalive-min S, --keepalive-max S   default ${PLATFORM_KEEPALIVE.min} and ${PLATFORM_KEEPALIVE.max}
            --max-qos 1|2       default 1, as on the platform
            --signature-max-age S|off   refuse a login signed more than S seconds
                                from now, or with no timestamp (default 900; off
                                for devices on a fixed clock)
            --json              print device-log entries as JSON lines
  log     print the device log as a table
            --file F            default ${defaultDeviceLogPath()}
            --follow            keep printing new entries until Ctrl-C
            --json              print JSON lines instead of a table`;

/** Resolves on the first SIGINT or SIGTERM, and stops listening for them. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
      resolve(signal);
    };
    process.on("SIGINT", handler);
    process.on("SIGTERM", handler);
  });
}

async function start(values: Record<string, string | boolean | undefined>): Promise<number> {
  const registry = openRegistry(values.registry as string | undefined);
  const port = intOption(values.port as string | undefined, "port", { min: 0, max: 65535 }) ?? 1883;
  const min = intOption(values["keepalive-min"] as string | undefined, "keepalive-min", { min: 0, max: 65535 }) ?? PLATFORM_KEEPALIVE.min;
  const max = intOption(values["keepalive-max"] as string | undefined, "keepalive-max", { min: 0, max: 65535 }) ?? PLATFORM_KEEPALIVE.max;
  if (min > max) throw new UsageError(`--keepalive-min (${min}) is above --keepalive-max (${max})`);
  const maxQos = intOption(values["max-qos"] as string | undefined, "max-qos", { min: 1, max: 2 }) ?? 1;
  const maxAge = values["signature-max-age"] as string | undefined;
  const signatureMaxAgeMs = maxAge === "off" ? false : (intOption(maxAge, "signature-max-age", { min: 1 }) ?? DEFAULT_SIGNATURE_MAX_AGE_MS / 1000) * 1000;
  const log = (values.log as string | undefined) ?? defaultDeviceLogPath();
  let platform;
  try {
    platform = await startPlatform({
      registry,
      port,
      host: (values.host as string | undefined) ?? "127.0.0.1",
      keepalive: { min, max },
      maxQos: maxQos as 1 | 2,
      deviceLog: log,
      signatureMaxAgeMs,
      tls: values.tls === true,
      websocket: values.ws === true,
      tlsPort: intOption(values["tls-port"] as string | undefined, "tls-port", { min: 0, max: 65535 }),
      wsPort: intOption(values["ws-port"] as string | undefined, "ws-port", { min: 0, max: 65535 }),
      wssPort: intOption(values["wss-port"] as string | undefined, "wss-port", { min: 0, max: 65535 }),
    });
  } catch (error) {
    if (error instanceof PlatformError) {
      console.error(`iot-wire-lab platform: ${error.message}`);
      return 1;
    }
    throw asUsageError(error);
  }
  const json = values.json === true;
  console.log(`IoT platform listening on ${platform.endpoints.map((e) => e.url).join(", ")}`);
  if (platform.certificate) console.log(`  certificate ${labCertificatePath()} (devices trust it as their CA)`);
  console.log(`  registry    ${registry.path} (${registry.size} device${registry.size === 1 ? "" : "s"}; re-read when it changes)`);
  console.log(`  device log  ${log}`);
  console.log(`  keepalive   ${min}..${max} s, QoS up to ${maxQos}`);
  console.log(`Devices log in with signed credentials (\`iot-wire-lab device sign NAME\`). Ctrl-C stops.`);
  platform.on("log", (entry: DeviceLogEntry) => console.log(json ? JSON.stringify(entry) : formatDeviceLogLine(entry)));
  platform.on("error", (error: Error) => console.error(`platform error: ${error.message}`));
  const signal = await untilSignal();
  await platform.stop();
  console.log(`stopped (${signal})`);
  return 0;
}

async function showLog(values: Record<string, string | boolean | undefined>): Promise<number> {
  const file = (values.file as string | undefined) ?? defaultDeviceLogPath();
  const json = values.json === true;
  if (!existsSync(file) && !values.follow) throw new UsageError(`no device log at ${file} (run \`iot-wire-lab platform start --log ${file}\` first, or pass --file)`);
  let offset = 0;
  let partial = "";
  const readNew = (): DeviceLogEntry[] => {
    if (!existsSync(file)) return [];
    const size = statSync(file).size;
    if (size < offset) offset = 0; // the file was replaced
    if (size === offset) return [];
    const fd = openSync(file, "r");
    try {
      const buffer = Buffer.alloc(size - offset);
      readSync(fd, buffer, 0, buffer.length, offset);
      offset = size;
      const text = partial + buffer.toString("utf8");
      const cut = text.lastIndexOf("\n");
      partial = cut < 0 ? text : text.slice(cut + 1);
      const { entries, issues } = parseDeviceLog(cut < 0 ? "" : text.slice(0, cut));
      for (const issue of issues) console.error(`${file}: skipped a line: ${issue.message}`);
      return entries;
    } finally {
      closeSync(fd);
    }
  };
  const first = readNew();
  if (json) for (const entry of first) console.log(JSON.stringify(entry));
  else if (values.follow) for (const entry of first) console.log(formatDeviceLogLine(entry));
  else console.log(first.length === 0 ? `${file}: no entries yet` : formatDeviceLogTable(first));
  if (!values.follow) return 0;

  const timer = setInterval(() => {
    for (const entry of readNew()) console.log(json ? JSON.stringify(entry) : formatDeviceLogLine(entry));
  }, 200);
  await untilSignal();
  clearInterval(timer);
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(
    argv,
    {
      help: { type: "boolean", short: "h" },
      port: { type: "string" },
      host: { type: "string" },
      registry: { type: "string" },
      log: { type: "string" },
      "keepalive-min": { type: "string" },
      "keepalive-max": { type: "string" },
      "max-qos": { type: "string" },
      "signature-max-age": { type: "string" },
      tls: { type: "boolean" },
      ws: { type: "boolean" },
      "tls-port": { type: "string" },
      "ws-port": { type: "string" },
      "wss-port": { type: "string" },
      file: { type: "string" },
      follow: { type: "boolean", short: "f" },
      json: { type: "boolean" },
    },
    "platform",
  );
  const [command, ...rest] = positionals;
  if (values.help || command === "help") {
    console.log(USAGE);
    return 0;
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
  switch (command) {
    case "start":
      return start(values);
    case "log":
      return showLog(values);
    case undefined:
      throw new UsageError("which platform command? start or log (see `iot-wire-lab platform --help`)");
    default:
      throw new UsageError(`unknown platform command '${command}' (start, log)`);
  }
}
