// `iot-wire-lab simulate`: run the tutorial's device program (or a fleet of
// it) and print what happens as it happens.
import { readFileSync } from "node:fs";
import { UsageError } from "./errors";
import { asUsageError, intOption, numberOption, openRegistry, parseCommandLine } from "./device";
import { defaultRegistryPath } from "../device/registry";
import { REGION_PATTERN } from "../device/endpoint";
import { formatSimulatorEvent, type SimulatorEvent } from "../simulator/events";
import { SimulationRunError, type SimulationSummary } from "../simulator/simulation";
import { simulate } from "../lab/simulate";
import { terminalText } from "../text/terminal-text";
import { SimulationError } from "../simulator/device-run";

const USAGE = `usage: iot-wire-lab simulate [options]

Runs the tutorial's device: connect with signed credentials, subscribe to
/PK/NAME/user/get after 3 s, publish {"temperature":T,"humidity":H} to
/PK/NAME/user/update after 5 s, disconnect after 8 s.

broker (default: an embedded platform started for the run):
  --broker URL             any mqtt://, mqtts://, ws:// or wss:// broker (e.g. a local Mosquitto)
  --cloud REGION           the product's real endpoint in REGION (e.g. cn-shanghai), over TLS
  --no-tls                 with --cloud: plain TCP (securemode=3)
  --tls                    the embedded platform's TLS port (securemode=2), trusting the
                           lab certificate
  --transport tcp|ws       the embedded platform over TCP (default) or WebSocket
                           (ws://…/mqtt; wss:// with --tls)
  --ca FILE                PEM certificate(s) to trust over TLS (default: the lab
                           certificate for the embedded platform, else the system's)
  --keylog FILE            append the TLS secrets to FILE (NSS key log, mode 0600) so
                           a capture can be decrypted; a secret: never share it
device:
  --device NAME            registry device (made if absent), default device1
  --product-key PK         its product
  --registry FILE          default ${defaultRegistryPath()}
  --fleet N                run N devices named PREFIX-0001… (--fleet-prefix, default sim)
  --concurrency N          fleet devices at once (default 10)
run:
  --speed N                time scale (10 runs the script in 0.8 s), default 1
  --mqtt-version V         3.1.1 (default) or 5
  --qos N                  0, 1 (default) or 2
  --keepalive S            default 60
  --count N, --interval S  messages to publish (default 1) and seconds between them (default 1)
  --seed N                 seed of the readings (default random; printed at the end)
misbehave (for \`iot-wire-lab check\` to find; all off by default):
  --keepalive-violation    first fall silent until the broker closes the connection
                           (1.5× keep-alive, real seconds: use --keepalive 2 with
                           --broker, e.g. Mosquitto; the embedded platform takes 30–1200 s)
  --no-backoff             first 3 connections dropped and retried after a fixed 1 s
  --duplicate-client-id    a twin with the same clientId takes the session over, and back
  --resend-without-dup     send the first QoS 1 PUBLISH twice, the second without DUP
  --json                   events and the summary as JSON lines`;

function mqttVersion(value: string | undefined): 4 | 5 | undefined {
  if (value === undefined) return undefined;
  if (value === "3.1.1" || value === "4") return 4;
  if (value === "5" || value === "5.0") return 5;
  throw new UsageError(`--mqtt-version must be 3.1.1 or 5, got ${JSON.stringify(value)}`);
}

function summaryLines(summary: SimulationSummary): string[] {
  const lines = [`broker ${summary.broker.url}${summary.broker.embedded ? " (embedded platform)" : ""}, seed ${summary.seed}, ${(summary.durationMs / 1000).toFixed(2)} s`];
  for (const d of summary.devices) {
    const mean = d.latenciesMs.length ? ` mean ack ${(d.latenciesMs.reduce((a, b) => a + b, 0) / d.latenciesMs.length).toFixed(1)} ms` : "";
    lines.push(`  ${d.device.productKey}/${d.device.deviceName}: ${d.ok ? "ok" : `failed: ${d.error}`}, published ${d.published}, acked ${d.acked}, received ${d.received}${mean ? `,${mean}` : ""}`);
  }
  return lines;
}

export async function run(argv: string[]): Promise<number> {
  const line = parseCommandLine(
    argv,
    {
      help: { type: "boolean", short: "h" },
      broker: { type: "string" },
      cloud: { type: "string" },
      "no-tls": { type: "boolean" },
      tls: { type: "boolean" },
      transport: { type: "string" },
      ca: { type: "string" },
      keylog: { type: "string" },
      device: { type: "string" },
      "product-key": { type: "string" },
      registry: { type: "string" },
      fleet: { type: "string" },
      "fleet-prefix": { type: "string" },
      concurrency: { type: "string" },
      speed: { type: "string" },
      "mqtt-version": { type: "string" },
      qos: { type: "string" },
      keepalive: { type: "string" },
      count: { type: "string" },
      interval: { type: "string" },
      seed: { type: "string" },
      json: { type: "boolean" },
      "keepalive-violation": { type: "boolean" },
      "no-backoff": { type: "boolean" },
      "duplicate-client-id": { type: "boolean" },
      "resend-without-dup": { type: "boolean" },
    },
    "simulate",
  );
  const { positionals } = line;
  const str = line.string;
  if (line.flag("help")) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const broker = str("broker");
  const cloud = str("cloud");
  if (broker && cloud) throw new UsageError("give --broker or --cloud, not both");
  if (broker && !/^(mqtts?|wss?):\/\/[^/]+/.test(broker)) throw new UsageError(`--broker must be an mqtt://, mqtts://, ws:// or wss:// URL, got ${JSON.stringify(broker)}`);
  const transport = str("transport");
  if (transport !== undefined && transport !== "tcp" && transport !== "ws") throw new UsageError(`--transport must be tcp or ws, got ${JSON.stringify(transport)}`);
  if (transport && (broker || cloud)) throw new UsageError("--transport chooses the embedded platform's listener; with --broker give a ws:// or wss:// URL instead");
  if (line.flag("tls") && broker) throw new UsageError("--tls chooses the embedded platform's TLS port; with --broker give an mqtts:// or wss:// URL instead");
  if (line.flag("tls") && line.flag("no-tls")) throw new UsageError("give --tls or --no-tls, not both");
  const caFile = str("ca");
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile, "utf8");
    } catch (error) {
      throw new UsageError(`cannot read --ca ${caFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (!ca.includes("-----BEGIN CERTIFICATE-----")) throw new UsageError(`--ca ${caFile} holds no PEM certificate`);
  }
  if (cloud && !REGION_PATTERN.test(cloud)) throw new UsageError(`--cloud must be a region id such as cn-shanghai, got ${JSON.stringify(cloud)}`);
  const qos = intOption(str("qos"), "qos", { min: 0, max: 2 }) as 0 | 1 | 2 | undefined;
  const json = line.flag("json");

  const registry = openRegistry(str("registry"));
  let simulation;
  try {
    simulation = simulate({
      broker,
      cloud,
      tls: line.flag("no-tls") ? false : line.flag("tls") ? true : undefined,
      ...(transport ? { transport } : {}),
      ...(ca !== undefined ? { ca } : {}),
      ...(str("keylog") ? { keylog: str("keylog") } : {}),
      registry,
      device: str("device"),
      productKey: str("product-key"),
      fleet: intOption(str("fleet"), "fleet", { min: 1, max: 9999 }),
      fleetPrefix: str("fleet-prefix"),
      concurrency: intOption(str("concurrency"), "concurrency", { min: 1 }),
      speed: numberOption(str("speed"), "speed", { exclusiveMin: 0 }),
      protocolVersion: mqttVersion(str("mqtt-version")),
      qos,
      keepalive: intOption(str("keepalive"), "keepalive", { min: 0, max: 65535 }),
      count: intOption(str("count"), "count", { min: 1 }),
      interval: numberOption(str("interval"), "interval", { min: 0 }),
      seed: intOption(str("seed"), "seed", { min: 0, max: 0xffffffff }),
      keepaliveViolation: line.flag("keepalive-violation") || undefined,
      noBackoff: line.flag("no-backoff") || undefined,
      duplicateClientId: line.flag("duplicate-client-id") || undefined,
      resendWithoutDup: line.flag("resend-without-dup") || undefined,
    });
  } catch (error) {
    throw asUsageError(error);
  }
  const print = (event: SimulatorEvent) => console.log(json ? JSON.stringify(event) : terminalText(formatSimulatorEvent(event)));
  simulation.on("event", print);
  const onSignal = () => void simulation.stop();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const summary = await simulation.done;
    if (json) console.log(JSON.stringify({ summary: { ...summary, events: undefined } }));
    else for (const line of summaryLines(summary)) console.log(line);
    return 0;
  } catch (error) {
    if (error instanceof SimulationRunError) {
      if (json) console.log(JSON.stringify({ summary: { ...error.summary, events: undefined } }));
      console.error(`iot-wire-lab simulate: ${error.message}`);
      return 1;
    }
    if (error instanceof SimulationError) throw new UsageError(error.message);
    throw asUsageError(error);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
