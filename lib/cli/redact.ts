/**
 * `iot-wire-lab redact <capture> -o <copy>`: a copy of a capture with the MQTT
 * passwords (and with --identities, client ids and user names) overwritten,
 * for sharing. It fails closed: when a field could not be redacted, or a copy
 * of a password is left, it writes no file at all and exits 1, so a script
 * never shares a file that still carries one.
 */
import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { redactCapture } from "../share/redact";
import { parseCommandArgs, portOptions } from "./args";
import { UsageError } from "./errors";
import { checkOutputPath, commitPartial, discardPartial, partialPath } from "./output-path";

export const redactUsage = `usage: iot-wire-lab redact <capture> -o <redacted copy> [options]

Write a copy of a pcap/pcapng capture that is safe to share: MQTT CONNECT
passwords are overwritten with '*' of the same length (frames, lengths and
sequence numbers are unchanged), in every frame that carries them:
retransmissions, split and out-of-order segments too, and wherever a TCP
stream repeats a password. When that cannot be done for certain, no file is
written and the exit code is 1.

options:
  -o, --output FILE   where to write the copy (must differ from the input)
  --identities        also overwrite client ids and user names
  --mqtt-port N       also treat port N as MQTT (repeatable; 1883 always is,
                      and a CONNECT at a stream's start is found on any port)
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
  for (const r of report.redacted) {
    const where = r.frames.length > 1 ? `frames ${r.frames.join(", ")}` : `frame ${r.frame}`;
    console.log(`redacted ${r.copy ? "a copy of the " : ""}${r.field} (${r.bytes} bytes) in ${where}, tcp.stream ${r.stream}`);
  }
  for (const r of report.notRedacted) console.error(`NOT redacted: ${r.field} in frame ${r.frame}, tcp.stream ${r.stream}: ${r.reason}`);
  if (!report.clean) {
    console.error(`no file written: ${output} would still carry a password`);
    return 1;
  }
  if (report.redacted.length === 0) console.log("no MQTT CONNECT credentials found: the copy is identical in content");
  // Written beside the target and renamed: a reader never sees half a file (output-path.ts).
  try {
    writeFileSync(partialPath(output), bytes);
  } catch (error) {
    discardPartial(output);
    throw new UsageError(`cannot write ${output}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  commitPartial(output);
  console.log(`wrote ${output} (${report.format}, ${report.frames} frames)`);
  return 0;
}
