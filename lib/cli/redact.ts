/**
 * `iot-wire-lab redact <capture> -o <copy>`: a copy of a capture with the MQTT
 * passwords (and with --identities, client ids and user names) overwritten,
 * for sharing. Exit code 1 when a field could not be redacted, so a script
 * never shares a file that still carries one.
 */
import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { redactCapture } from "../share/redact";
import { parseCommandArgs, portOptions } from "./args";
import { UsageError } from "./errors";
import { checkOutputPath } from "./output-path";

export const redactUsage = `usage: iot-wire-lab redact <capture> -o <redacted copy> [options]

Write a copy of a pcap/pcapng capture that is safe to share: MQTT CONNECT
passwords are overwritten with '*' of the same length (frames, lengths and
sequence numbers are unchanged).

options:
  -o, --output FILE   where to write the copy (must differ from the input)
  --identities        also overwrite client ids and user names
  --mqtt-port N       also treat port N as MQTT (repeatable; 1883 always is)
  --force             overwrite FILE if it exists`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      output: { type: "string", short: "o" },
      identities: { type: "boolean", default: false },
      "mqtt-port": { type: "string", multiple: true },
      force: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    redactUsage,
  );
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(redactUsage);
    return 0;
  }
  if (positionals.length !== 1 || !values.output) throw new UsageError(`expected one capture and -o FILE\n\n${redactUsage}`);
  const input = positionals[0];
  const output = values.output;
  if (resolve(input) === resolve(output)) throw new UsageError("the redacted copy must not overwrite the original capture");
  if (existsSync(output) && !values.force) throw new UsageError(`${output} exists (use --force to overwrite it)`);
  checkOutputPath(output);
  const mqttPorts = portOptions(values["mqtt-port"], "--mqtt-port");
  const { bytes, report } = await redactCapture(input, { identities: values.identities, mqttPorts });
  writeFileSync(output, bytes);
  for (const r of report.redacted) console.log(`redacted ${r.field} (${r.bytes} bytes) in frame ${r.frame}, tcp.stream ${r.stream}`);
  for (const r of report.notRedacted) console.error(`NOT redacted: ${r.field} in frame ${r.frame}, tcp.stream ${r.stream}: ${r.reason}`);
  if (report.redacted.length === 0 && report.notRedacted.length === 0) console.log("no MQTT CONNECT credentials found: the copy is identical in content");
  console.log(`wrote ${output} (${report.format}, ${report.frames} frames)`);
  return report.notRedacted.length > 0 ? 1 : 0;
}
