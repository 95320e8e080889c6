/**
 * Correctness at scale: every frame of the benchmark capture must carry the
 * same MQTT messages (type, message id, topic) in our analysis as in tshark's
 * dissector, and the same packet-list row (tcp.stream, Protocol, Info). Run by `npm run bench -- --verify`, or alone:
 *
 *   node dist/bench/verify-agreement.js FILE PORT
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { Analyzer } from "../lib/analysis/analyzer";
import type { MqttMessage } from "../lib/analysis/types";
import { readCapture } from "../lib/capture/reader";
import { PacketType } from "../lib/mqtt/constants";

function key(type: number | string, id: number | string | undefined, topic: string | undefined): string {
  return `${type}|${id ?? ""}|${topic ?? ""}`;
}

function ours(m: MqttMessage): string {
  const type = m.type === "RESERVED" ? 0 : PacketType[m.type];
  const id = m.type === "PUBLISH" && !m.qos ? undefined : m.messageId;
  return key(type, id, m.topic ?? m.subscriptions?.map((s) => s.topic).join(" ") ?? m.unsubscriptions?.join(" "));
}

export interface Agreement {
  frames: number;
  /** Frames whose MQTT messages (type, id, topic) are the same. */
  identical: number;
  different: number;
  /** Frames whose packet-list row (Protocol, Info, tcp.stream) is the same. */
  rowsIdentical: number;
  rowsDifferent: number;
  examples: string[];
}

export async function verifyAgreement(file: string, port: number, tshark = "tshark"): Promise<Agreement> {
  const byFrame = new Map<number, string[]>();
  const rows: string[] = [];
  const analyzer = new Analyzer({ mqttPorts: [port] }, {
    packet: (row) => {
      rows[row.frame] = `${row.stream}\t${row.protocol}\t${row.info}`;
    },
    message: (m) => {
      const list = byFrame.get(m.frame);
      if (list) list.push(ours(m));
      else byFrame.set(m.frame, [ours(m)]);
    },
  });
  await readCapture(file, analyzer, { annotator: analyzer.readAhead });
  analyzer.finish();
  const child = spawn(tshark, ["-r", file, "-d", `tcp.port==${port},mqtt`, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=;", "-e", "frame.number", "-e", "mqtt.msgtype", "-e", "mqtt.msgid", "-e", "mqtt.topic", "-e", "tcp.stream", "-e", "_ws.col.Protocol", "-e", "_ws.col.Info"], { stdio: ["ignore", "pipe", "ignore"] });
  let frames = 0;
  let identical = 0;
  let different = 0;
  let rowsIdentical = 0;
  let rowsDifferent = 0;
  const examples: string[] = [];
  for await (const line of createInterface({ input: child.stdout! })) {
    frames++;
    const [frame, types, ids, topics, stream, protocol, info] = line.split("\t");
    if (rows[Number(frame)] === `${stream}\t${protocol}\t${info}`) rowsIdentical++;
    else {
      rowsDifferent++;
      if (examples.length < 10) examples.push(`frame ${frame} row: ours ${JSON.stringify(rows[Number(frame)])} tshark ${JSON.stringify(`${stream}\t${protocol}\t${info}`)}`);
    }
    const mine = byFrame.get(Number(frame)) ?? [];
    let theirs: string[] = [];
    if (types) {
      const t = types.split(";");
      const i = ids ? ids.split(";") : [];
      const p = topics ? topics.split(";") : [];
      // tshark lists each field's values for the whole frame: with one MQTT
      // packet per frame (as here) they line up; with several, ids and topics
      // cannot be attributed, so compare the types only.
      theirs = t.length === 1 ? [key(t[0], i[0], p[0])] : t;
      if (t.length > 1) {
        const sameTypes = mine.map((k) => k.split("|")[0]).join(";") === t.join(";");
        if (sameTypes) identical++;
        else different++;
        continue;
      }
    }
    if (mine.join(";") === theirs.join(";")) identical++;
    else {
      different++;
      if (examples.length < 10) examples.push(`frame ${frame}: ours ${JSON.stringify(mine)} tshark ${JSON.stringify(theirs)}`);
    }
  }
  return { frames, identical, different, rowsIdentical, rowsDifferent, examples };
}

if (require.main === module) {
  const [file, port] = process.argv.slice(2);
  verifyAgreement(file, Number(port)).then(
    (result) => console.log(JSON.stringify(result, null, 1)),
    (error: Error) => {
      console.error(error.message);
      process.exitCode = 1;
    },
  );
}
