// The display filter of each phase, checked by Wireshark itself: tshark -Y
// with the filter must select exactly the phase's frames, on every fixture
// capture, for every phase (with its pure ACKs, and without them).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { phaseKinds, type Analysis, type Phase } from "../../lib/analysis/types";
import { PacketType } from "../../lib/mqtt/constants";
import { acknowledgedBy, phaseMessageTypes, wiresharkFilter } from "../../lib/notebook/wireshark-filter";
import { fixtureDir } from "../helpers/fixtures";
import { needTool } from "../helpers/tools";

function tsharkFrames(tshark: string, file: string, filter: string): Promise<{ frames: number[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(tshark, ["-r", file, "-Y", filter, "-T", "fields", "-e", "frame.number"], { maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`tshark -Y '${filter}' on ${file}: ${stderr || error.message}`));
      else resolve({ frames: stdout.split("\n").filter((l) => l !== "").map(Number), stderr });
    });
  });
}

/** Runs jobs with at most `width` at a time. */
async function pool<T>(jobs: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]!();
      }
    }),
  );
  return results;
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
  const jobs: Array<() => Promise<string | undefined>> = [];
  let phasesChecked = 0;
  for (const name of captures) {
    const file = join(fixtureDir, name);
    const analysis: Analysis = await analyzeCapture(file);
    for (const phase of analysis.phases) {
      phasesChecked++;
      for (const acks of [true, false]) {
        const filter = wiresharkFilter(phase, analysis, { acks });
        const want = sorted(acks ? phase.frames : phase.steps.map((s) => s.frame));
        jobs.push(async () => {
          const { frames, stderr } = await tsharkFrames(tshark, file, filter);
          const warnings = stderr.split("\n").filter((l) => l.trim() !== "" && !/Running as user/.test(l));
          if (warnings.length > 0) return `${name} ${phase.kind} (stream ${phase.stream}): tshark warns about ${filter}: ${warnings.join(" / ")}`;
          const got = sorted(frames);
          return got.join(",") === want.join(",") ? undefined : `${name} ${phase.kind} (stream ${phase.stream}, acks ${acks}): ${filter}\n    selects ${got.join(",")}\n    phase   ${want.join(",")}`;
        });
      }
    }
    // Kind filters: every frame carrying a message of those types (or SYN / FIN / RST), in every connection.
    for (const kind of phaseKinds) {
      if (!analysis.phases.some((p) => p.kind === kind)) continue;
      const filter = wiresharkFilter(kind);
      let want: number[];
      if (kind === "tcp-handshake") want = sorted(analysis.packets.filter((p) => ((p.tcpFlags ?? 0) & 0x02) !== 0).map((p) => p.frame));
      else if (kind === "tcp-teardown") want = sorted(analysis.packets.filter((p) => ((p.tcpFlags ?? 0) & 0x05) !== 0).map((p) => p.frame));
      else {
        const types = new Set(phaseMessageTypes[kind]);
        want = sorted(analysis.messages.filter((m) => m.type !== "RESERVED" && types.has(PacketType[m.type])).map((m) => m.frame));
      }
      jobs.push(async () => {
        const got = sorted((await tsharkFrames(tshark, file, filter)).frames);
        return got.join(",") === want.join(",") ? undefined : `${name} kind ${kind}: ${filter}\n    selects ${got.join(",")}\n    wanted  ${want.join(",")}`;
      });
    }
  }
  assert.ok(phasesChecked > 50, `only ${phasesChecked} phases in the fixtures`);
  const failures = (await pool(jobs, Math.max(2, cpus().length))).filter((f): f is string => f !== undefined);
  assert.deepEqual(failures, [], failures.join("\n"));
});
