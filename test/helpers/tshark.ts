/**
 * Ask tshark's own dissectors what a capture holds, to check our decoding
 * against Wireshark's.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TsharkMessage {
  frame: number;
  stream: number;
  type: number;
  messageId?: number;
  topic?: string;
  /** PUBLISH only: the QoS of its fixed header (mqtt.qos) and its payload's length (mqtt.msg). */
  qos?: number;
  payloadLength?: number;
}

/** How tshark should read TLS: the key log, and ports other than 8883 that carry MQTT over TLS. */
export interface TsharkTlsOptions {
  /** NSS key log (`-o tls.keylog_file:FILE`). */
  keylog?: string;
  /** Ports to dissect as TLS with MQTT inside (`-d tcp.port==P,tls -d tls.port==P,mqtt`); 8883 needs nothing. */
  tlsPorts?: number[];
}

/** tshark options for TLS: the key log preference and Decode As for TLS ports other than 8883. */
export function tsharkTlsArgs(options: TsharkTlsOptions = {}): string[] {
  const args = options.keylog ? ["-o", `tls.keylog_file:${options.keylog}`] : [];
  for (const port of options.tlsPorts ?? []) if (port !== 8883) args.push("-d", `tcp.port==${port},tls`, "-d", `tls.port==${port},mqtt`);
  return args;
}

export interface TsharkStreams {
  messages: TsharkMessage[];
  /** Streams where tshark saw missing segments (tcp.analysis.lost_segment / ack_lost_segment). */
  streamsWithGaps: Set<number>;
  /** The packet list from the same pass (see tsharkPacketList). */
  rows: TsharkRow[];
}

function run(tshark: string, args: string[]): string {
  return execFileSync(tshark, args, { encoding: "utf8", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "ignore"] });
}

/** Every MQTT PDU tshark finds, in order, with its tcp.stream. */
export function tsharkMqtt(tshark: string, file: string, mqttPorts: number[], tls: TsharkTlsOptions = {}): TsharkStreams {
  const decodeAs = [...mqttPorts.filter((p) => p !== 1883).flatMap((p) => ["-d", `tcp.port==${p},mqtt`]), ...tsharkTlsArgs(tls)];
  const streamOf = new Map<number, number>();
  const streamsWithGaps = new Set<number>();
  // One fields pass gives tcp.stream, the gap flags and the packet list (Info last: it may hold tabs).
  const rows: TsharkRow[] = [];
  const fields = run(tshark, ["-r", file, ...decodeAs, "-T", "fields", "-E", "separator=\t", "-e", "frame.number", "-e", "tcp.stream", "-e", "tcp.analysis.lost_segment", "-e", "tcp.analysis.ack_lost_segment", "-e", "_ws.col.Protocol", "-e", "_ws.col.Info"]);
  for (const line of fields.split("\n")) {
    if (!line) continue;
    const [frame, stream, lost, ackLost, protocol, ...info] = line.split("\t");
    rows.push({ frame: Number(frame), stream: stream === "" ? undefined : Number(stream), protocol: protocol!, info: info.join("\t") });
    if (stream === "") continue;
    streamOf.set(Number(frame), Number(stream));
    if (lost !== "" || ackLost !== "") streamsWithGaps.add(Number(stream));
  }
  // --no-duplicate-keys: two MQTT PDUs in one frame are two "mqtt" keys of one object, of which JSON.parse would keep the last; merged, they are an array.
  const json = JSON.parse(run(tshark, ["-r", file, ...decodeAs, "-Y", "mqtt", "-T", "json", "--no-duplicate-keys", "-J", "mqtt frame"])) as Array<{ _source: { layers: Record<string, unknown> } }>;
  const messages: TsharkMessage[] = [];
  for (const packet of json) {
    const layers = packet._source.layers;
    const frame = Number((layers.frame as Record<string, string>)["frame.number"]);
    const mqtt = layers.mqtt;
    const pdus = (Array.isArray(mqtt) ? mqtt : [mqtt]) as Array<Record<string, unknown>>;
    for (const pdu of pdus) {
      const flags = pdu["mqtt.hdrflags_tree"] as Record<string, string> | undefined;
      if (!flags) continue;
      const message: TsharkMessage = { frame, stream: streamOf.get(frame) ?? -1, type: Number(flags["mqtt.msgtype"]) };
      if (pdu["mqtt.msgid"] !== undefined) message.messageId = Number(pdu["mqtt.msgid"]);
      const topic = pdu["mqtt.topic"];
      if (topic !== undefined) message.topic = Array.isArray(topic) ? topic.join(" ") : String(topic);
      if (message.type === 3) {
        message.qos = Number(flags["mqtt.qos"] ?? 0);
        // mqtt.msg is the payload as colon-separated hex bytes; absent when the payload is empty.
        const payload = pdu["mqtt.msg"];
        message.payloadLength = typeof payload === "string" && payload.length > 0 ? payload.split(":").length : 0;
      }
      messages.push(message);
    }
  }
  return { messages, streamsWithGaps, rows };
}

export interface TsharkRow {
  frame: number;
  stream: number | undefined;
  protocol: string;
  info: string;
}

/** tshark's packet list: No., tcp.stream, Protocol and Info columns. */
export function tsharkPacketList(tshark: string, file: string, mqttPorts: number[]): TsharkRow[] {
  const decodeAs = mqttPorts.filter((p) => p !== 1883).flatMap((p) => ["-d", `tcp.port==${p},mqtt`]);
  const out = run(tshark, ["-r", file, ...decodeAs, "-T", "fields", "-E", "separator=\t", "-e", "frame.number", "-e", "tcp.stream", "-e", "_ws.col.Protocol", "-e", "_ws.col.Info"]);
  return out
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      const [frame, stream, protocol, info] = line.split("\t");
      return { frame: Number(frame), stream: stream === "" ? undefined : Number(stream), protocol, info };
    });
}

/**
 * The frames each display filter selects, from ONE tshark process per
 * capture (a Lua tap per filter, test/helpers/filter-taps.lua) instead of one
 * `tshark -Y` per filter: on a loaded 2-core machine hundreds of tshark
 * start-ups took minutes. The filters are still compiled and evaluated by
 * tshark itself. `errors` holds the filters tshark refused, by index.
 */
export async function tsharkFilterFrames(tshark: string, file: string, filters: readonly string[]): Promise<{ frames: number[][]; errors: Map<number, string> }> {
  const script = join(__dirname, "..", "..", "..", "test", "helpers", "filter-taps.lua");
  const dir = mkdtempSync(join(tmpdir(), "iwl-filters-"));
  const list = join(dir, "filters.txt");
  writeFileSync(list, filters.map((f) => f.replace(/\n/g, " ")).join("\n") + "\n");
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(tshark, ["-q", "-r", file, "-X", `lua_script:${script}`, "-X", `lua_script1:${list}`], { maxBuffer: 1 << 26 }, (error, out, stderr) => {
        if (error) reject(new Error(`tshark with ${filters.length} filter taps on ${file}: ${stderr || error.message}`));
        else resolve(out);
      });
    });
    const frames = filters.map(() => [] as number[]);
    const errors = new Map<number, string>();
    for (const line of stdout.split("\n")) {
      const match = /^(\d+) (?:(\d+)|error (.*))$/.exec(line);
      if (!match) continue;
      const index = Number(match[1]) - 1;
      if (match[2] !== undefined) frames[index]!.push(Number(match[2]));
      else errors.set(index, match[3]!);
    }
    return { frames, errors };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
