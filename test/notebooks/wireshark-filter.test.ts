// The display filter of each phase, checked by Wireshark itself: tshark must
// select exactly the phase's frames with the filter, on every fixture capture,
// for every phase (with its pure ACKs, and without them). One tshark process
// per capture evaluates all of its filters (tsharkFilterFrames), plus one
// `-Y` pass over all of them for tshark's syntax warnings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { phaseKinds, type Analysis, type Phase } from "../../lib/analysis/types";
import { PacketType } from "../../lib/mqtt/constants";
import { acknowledgedBy, phaseMessageTypes, wiresharkFilter } from "../../lib/analysis/wireshark-filter";
import { fixtureDir } from "../helpers/fixtures";
import { tsharkFilterFrames } from "../helpers/tshark";
import { needTool } from "../helpers/tools";

/** tshark's warnings (deprecated syntax…) about display filters, from one `-Y` pass over all of them. */
function tsharkFilterWarnings(tshark: string, file: string, filters: readonly string[]): Promise<string[]> {
  const all = filters.map((f) => `(${f})`).join(" || ");
  return new Promise((resolve, reject) => {
    execFile(tshark, ["-r", file, "-c", "1", "-Y", all, "-T", "fields", "-e", "frame.number"], { maxBuffer: 1 << 24 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`tshark -Y (all phase filters) on ${file}: ${stderr || error.message}`));
      else resolve(stderr.split("\n").filter((l) => l.trim() !== "" && !/Running as user/.test(l)));
    });
  });
}

/** Runs jobs with at most `width` at a time. */
async function pool(jobs: Array<() => Promise<void>>, width: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, jobs.length) }, async () => {
      while (next < jobs.length) await jobs[next++]!();
    }),
  );
}

const sorted = (frames: Iterable<number>) => [...new Set(frames)].sort((a, b) => a - b);
const captures = readdirSync(fixtureDir).filter((name) => /\.pcap(ng)?$/.test(name)).sort();

test("filters for a kind of phase, and for one phase, read the way Wireshark writes them", async () => {
  assert.equal(wiresharkFilter("connect"), "mqtt.msgtype == 1 || mqtt.msgtype == 2");
  assert.equal(wiresharkFilter("tcp-handshake"), "tcp.flags.syn == 1");
  assert.equal(wiresharkFilter("disconnect"), "mqtt.msgtype == 14");
  const analysis = await analyzeCapture(join(fixtureDir, "tutorial.pcapng"));
  const [handshake, connect, , , disconnect] = analysis.phases;
  assert.equal(wiresharkFilter(handshake!, analysis), "tcp.stream == 0 && (tcp.flags.syn == 1 || (tcp.flags == 0x010 && tcp.len == 0 && tcp.analysis.acks_frame == 2))");
  assert.equal(wiresharkFilter(connect!, analysis, { acks: false }), "tcp.stream == 0 && (mqtt.msgtype == 1 || mqtt.msgtype == 2)");
  assert.equal(wiresharkFilter(disconnect!, analysis), "tcp.stream == 0 && mqtt.msgtype == 14");
  assert.throws(() => (wiresharkFilter as unknown as (p: Phase) => string)(connect!), /analysis/);
});

test("acknowledgedBy: a pure ACK, or the answer that carried the acknowledgment", async () => {
  const analysis = await analyzeCapture(join(fixtureDir, "tutorial.pcapng"));
  assert.equal(acknowledgedBy(analysis, 4)?.frame, 5); // CONNECT ← pure ACK
  assert.equal(acknowledgedBy(analysis, 8)?.frame, 9); // SUBSCRIBE ← SUBACK
  assert.equal(acknowledgedBy(analysis, 16)?.frame, 17); // the last FIN
  assert.equal(acknowledgedBy(analysis, 17), undefined); // the last ACK: nothing to acknowledge
});

// One tshark run per phase and filter form: about 170 more with misbehaving.pcapng (43 phases), hence 6 minutes.
test("tshark -Y selects exactly each phase's frames on every fixture capture", { timeout: 360_000 }, async (t) => {
  const tshark = needTool(t, "tshark");
  if (!tshark) return;
  let phasesChecked = 0;
  const failures: string[] = [];
  const perCapture: Array<{ name: string; file: string; checks: Array<{ filter: string; want: number[]; label: string }> }> = [];
  for (const name of captures) {
    const file = join(fixtureDir, name);
    const analysis: Analysis = await analyzeCapture(file);
    // Every filter of this capture with the frames it must select; one tshark pass evaluates them all.
    const checks: Array<{ filter: string; want: number[]; label: string }> = [];
    for (const phase of analysis.phases) {
      phasesChecked++;
      for (const acks of [true, false]) {
        const filter = wiresharkFilter(phase, analysis, { acks });
        checks.push({ filter, want: sorted(acks ? phase.frames : phase.steps.map((s) => s.frame)), label: `${name} ${phase.kind} (stream ${phase.stream}, acks ${acks})` });
      }
    }
    // Kind filters: every frame carrying a message of those types (or SYN / FIN / RST), in every connection.
    for (const kind of phaseKinds) {
      if (!analysis.phases.some((p) => p.kind === kind)) continue;
      let want: number[];
      if (kind === "tcp-handshake") want = sorted(analysis.packets.filter((p) => ((p.tcpFlags ?? 0) & 0x02) !== 0).map((p) => p.frame));
      else if (kind === "tcp-teardown") want = sorted(analysis.packets.filter((p) => ((p.tcpFlags ?? 0) & 0x05) !== 0).map((p) => p.frame));
      else if (kind === "tls-handshake" || kind === "ws-handshake") continue; // their frames are records and HTTP, which the analysis lists only as rows
      else {
        const types = new Set(phaseMessageTypes[kind]);
        // tshark decodes no MQTT inside WebSocket (its MQTT dissector does not register there): a kind filter cannot pick those messages.
        const overWebSocket = new Set(analysis.connections.filter((c) => c.layers?.includes("WebSocket")).map((c) => c.stream));
        want = sorted(analysis.messages.filter((m) => m.type !== "RESERVED" && types.has(PacketType[m.type]) && !overWebSocket.has(m.stream)).map((m) => m.frame));
      }
      checks.push({ filter: wiresharkFilter(kind), want, label: `${name} kind ${kind}` });
    }
    perCapture.push({ name, file, checks });
  }
  // Syntax warnings depend on the filter, not the capture: one -Y pass over every filter.
  const allFilters = [...new Set(perCapture.flatMap((c) => c.checks.map((check) => check.filter)))];
  const jobs: Array<() => Promise<void>> = [
    async () => {
      const warnings = await tsharkFilterWarnings(tshark, perCapture[0]!.file, allFilters);
      if (warnings.length > 0) failures.push(`tshark warns about a phase filter: ${warnings.join(" / ")}`);
    },
    ...perCapture.map(({ file, checks }) => async () => {
      const { frames, errors } = await tsharkFilterFrames(tshark, file, checks.map((c) => c.filter));
      checks.forEach((check, i) => {
        if (errors.has(i)) failures.push(`${check.label}: tshark refuses ${check.filter}: ${errors.get(i)}`);
        const got = sorted(frames[i]!);
        if (got.join(",") !== check.want.join(",")) failures.push(`${check.label}: ${check.filter}\n    selects ${got.join(",")}\n    wanted  ${check.want.join(",")}`);
      });
    }),
  ];
  await pool(jobs, 2);
  assert.ok(phasesChecked > 50, `only ${phasesChecked} phases in the fixtures`);
  assert.deepEqual(failures, [], failures.join("\n"));
});
