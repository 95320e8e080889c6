/**
 * `iot-wire-lab redact <capture> -o <copy>`: a copy of a capture with the MQTT
 * passwords (and with --identities, client ids and user names) overwritten,
 * for sharing. It fails closed: when a field could not be redacted, or a copy
 * of a password is left, it writes no file at all and exits 1, so a script
 * never shares a file that still carries one.
 */
import { closeSync, existsSync, openSync, readSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { redactCapture } from "../share/redact";
import { KeyLog } from "../tls/keylog";
import { parseCommandArgs, portOptions } from "./args";
import { UsageError } from "./errors";
import { checkOutputPath, commitPartial, discardPartial, partialPath } from "./output-path";

export const redactUsage = `usage: iot-wire-lab redact <capture> -o <redacted copy> [options]

Write a copy of a pcap/pcapng capture that is safe to share: MQTT CONNECT
passwords are overwritten with '*' of the same length (frames, lengths and
sequence numbers are unchanged), in every frame that carries them:
retransmissions, split and out-of-order segments too, and wherever a TCP
stream repeats a password. When that cannot be done for certain, no file is
written and the exit code is 1. A pcapng's Decryption Secrets Blocks (an
embedded TLS key log) are left out of the copy. A TLS key log itself is a
secret and is refused (exit 2): share the capture, never its keys.

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
  if (isKeyLogFile(input)) throw new UsageError(`${input} is a TLS key log (NSS format): it holds the session secrets that decrypt the capture and must never be shared`);
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
  const secretBlocks = report.secretsRemoved.length;
  if (secretBlocks > 0) console.log(`removed ${secretBlocks} Decryption Secrets Block${secretBlocks === 1 ? "" : "s"} (${[...new Set(report.secretsRemoved.map((s) => s.type))].join(", ")}: embedded TLS keys); the copy cannot be decrypted`);
  if (report.redacted.length === 0) console.log(`no MQTT CONNECT credentials found: the copy is identical in ${secretBlocks > 0 ? "its frames" : "content"}`);
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

/** Does the file start like an NSS key log (text lines CLIENT_RANDOM …, *_TRAFFIC_SECRET …)? Only its first 64 KiB are read. */
function isKeyLogFile(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return false; // the capture reader says what is wrong with it
  }
  try {
    const head = Buffer.alloc(64 * 1024);
    const length = readSync(fd, head, 0, head.length, 0);
    const text = head.subarray(0, length).toString("latin1");
    if (/[\x00-\x08\x0e-\x1f]/.test(text)) return false; // binary: a capture
    return KeyLog.parse(text.slice(0, text.lastIndexOf("\n") + 1 || text.length)).size > 0;
  } finally {
    closeSync(fd);
  }
}
