/**
 * `iot-wire-lab check <capture>`: what the device does wrong on the wire —
 * keep-alive, reconnects, takeovers, QoS resends, Wills, retained messages,
 * CONNECT choices, and with `--profile aliyun` the Alibaba Cloud IoT
 * Platform's rules. The capture is streamed through the checker (see
 * ../behaviour/checker.ts), so a fleet capture is checked in bounded memory.
 */
import { terminalText } from "../text/terminal-text";
import { streamCapture } from "../analysis/analyze";
import type { AnalyzeOptions } from "../analysis/analyzer";
import { BehaviourChecker, type BehaviourProfile } from "../behaviour/checker";
import type { Finding } from "../behaviour/finding";
import { parseCommandArgs, portOptions } from "./args";
import { UsageError } from "./errors";

export const checkUsage = `usage: iot-wire-lab check <capture.pcap|pcapng|-> [options]

Check how the device behaves: keep-alive silences and timeouts, reconnect
back-off, session takeovers, QoS resends, Wills, retained messages and CONNECT
choices. Each finding names its rule (MQTT clause or Alibaba Cloud document),
the evidence frames and a Wireshark display filter that shows them.

options:
  --format table|json   table (default), or json: {"findings": [...]}
  --profile mqtt|aliyun mqtt (default): the MQTT rules; aliyun: also keep-alive
                        30–1200 s, clientId/username format, own topics only,
                        one connection per device, TLS
  --mqtt-port N         also decode port N as MQTT (repeatable; 1883 always is)
  -h, --help            this text

Reads "-" as standard input. Exit codes: 0 no failure, 1 at least one finding
is a failure, 2 not a usable capture or bad options.`;

export interface CheckCommandOptions {
  file: string;
  format: "table" | "json";
  profile: BehaviourProfile;
  analyze: AnalyzeOptions;
}

export function parseCheckArgs(argv: string[]): CheckCommandOptions | "help" {
  const parsed = parseCommandArgs(
    argv,
    {
      format: { type: "string", default: "table" },
      profile: { type: "string", default: "mqtt" },
      "mqtt-port": { type: "string", multiple: true },
      help: { type: "boolean", short: "h", default: false },
    },
    checkUsage,
  );
  const values = parsed.values;
  if (values.help) return "help";
  if (parsed.positionals.length !== 1) throw new UsageError(`expected one capture file, got ${parsed.positionals.length}\n\n${checkUsage}`);
  const format = values.format as string;
  if (format !== "table" && format !== "json") throw new UsageError(`--format must be table or json, not '${format}'`);
  const profile = values.profile as string;
  if (profile !== "mqtt" && profile !== "aliyun") throw new UsageError(`--profile must be mqtt or aliyun, not '${profile}'`);
  return { file: parsed.positionals[0]!, format, profile, analyze: { mqttPorts: portOptions(values["mqtt-port"], "--mqtt-port") } };
}

const severityLabel = { fail: "FAIL", warn: "WARN", info: "info" } as const;

/** The table form: one block per finding, then the counts. */
export function formatFindingsTable(findings: readonly Finding[]): string {
  const lines: string[] = [];
  for (const f of findings) {
    const who = f.clientId === null ? "" : `  client ${terminalText(JSON.stringify(f.clientId))}`;
    const streams = f.streams && f.streams.length > 1 ? `streams ${f.streams.join(", ")}` : `stream ${f.stream}`;
    lines.push(`${severityLabel[f.severity]}  ${f.code}  ${streams}${who}  frames ${f.frames.join(", ")}`);
    lines.push(`      ${terminalText(f.message)}`);
    lines.push(`      filter: ${terminalText(f.filter)}`);
  }
  const count = (s: Finding["severity"]) => findings.filter((f) => f.severity === s).length;
  if (findings.length > 0) lines.push("");
  lines.push(`${findings.length} finding(s): ${count("fail")} fail, ${count("warn")} warn, ${count("info")} info`);
  return lines.join("\n");
}

export async function run(argv: string[]): Promise<number> {
  const options = parseCheckArgs(argv);
  if (options === "help") {
    console.log(checkUsage);
    return 0;
  }
  const checker = new BehaviourChecker({ profile: options.profile });
  const source = options.file === "-" ? process.stdin : options.file;
  for await (const event of streamCapture(source, { ...options.analyze, include: checker.events })) checker.event(event);
  const findings = checker.finish();
  if (options.format === "json") process.stdout.write(`${JSON.stringify({ findings }, null, 2)}\n`);
  else process.stdout.write(`${formatFindingsTable(findings)}\n`);
  return findings.some((f) => f.severity === "fail") ? 1 : 0;
}
