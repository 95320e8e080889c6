import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { redactCapture } from "../../lib/share/redact";
import { fixtureDir, projectRoot } from "../helpers/fixtures";
import { needTool, publicCapturesDir } from "../helpers/tools";
import { writePcapng } from "../helpers/capture-writer";
import { readFrames } from "../../lib/capture/frames";

const tutorial = join(fixtureDir, "tutorial.pcap");
const qos2 = join(publicCapturesDir, "sv_mqtt311-pub-qos2.pcap");

test("passwords are overwritten in place; everything else is unchanged", async () => {
  const before = await analyzeCapture(tutorial);
  const original = before.messages.find((m) => m.type === "CONNECT")!;
  assert.match(original.password ?? "", /^[0-9a-f]{40}$/, "the tutorial's password is an HMAC-SHA1 in hex");
  const { bytes, report } = await redactCapture(tutorial);
  assert.deepEqual(report.redacted, [{ frame: original.frame, frames: [original.frame], stream: 0, field: "password", bytes: 40 }]);
  assert.equal(report.clean, true);
  assert.deepEqual(report.notRedacted, []);
  assert.equal(bytes.length, readFileSync(tutorial).length, "same size: only bytes inside the frame changed");
  assert.equal(bytes.indexOf(Buffer.from(original.password!)), -1, "the password is gone from the file");
  const after = await analyzeCapture(bytes);
  const connect = after.messages.find((m) => m.type === "CONNECT")!;
  assert.equal(connect.password, "*".repeat(40));
  assert.equal(connect.clientId, original.clientId);
  const strip = (a: typeof before) => a.messages.map(({ password: _p, ...rest }) => rest);
  assert.deepEqual(strip(after), strip(before));
  assert.deepEqual(
    after.packets.map((p) => p.info),
    before.packets.map((p) => p.info),
  );
});

test("--identities also hides client ids and user names; pcapng stays pcapng", async (t) => {
  const source = existsSync(qos2) ? qos2 : tutorial;
  void t;
  const frames = [];
  for await (const f of readFrames(source)) frames.push({ seconds: f.seconds, nanos: f.nanos, bytes: Uint8Array.from(f.bytes), originalLength: f.originalLength });
  const ng = writePcapng([{ linkType: 1, tsresol: 9 }], frames, { littleEndian: true });
  const { bytes, report } = await redactCapture(ng, { identities: true });
  assert.deepEqual(
    report.redacted.map((r) => r.field).sort(),
    ["clientId", "password", "username"],
  );
  const after = await analyzeCapture(bytes);
  assert.equal(after.capture.format, "pcapng");
  const connect = after.messages.find((m) => m.type === "CONNECT")!;
  assert.match(connect.clientId ?? "", /^\*+$/);
  assert.match(connect.username ?? "", /^\*+$/);
  assert.match(connect.password ?? "", /^\*+$/);
});

test("the CLI writes the copy, reports what it did, and tshark reads the result", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "iwl-redact-"));
  const out = join(dir, "shareable.pcap");
  const cli = join(projectRoot, "dist", "lib", "cli", "main.js");
  const result = spawnSync(process.execPath, [cli, "redact", tutorial, "-o", out], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /redacted password \(40 bytes\) in frame 4, tcp.stream 0/);
  const again = spawnSync(process.execPath, [cli, "redact", tutorial, "-o", out], { encoding: "utf8" });
  assert.equal(again.status, 2, "refuses to overwrite without --force");
  const same = spawnSync(process.execPath, [cli, "redact", out, "-o", out, "--force"], { encoding: "utf8" });
  assert.equal(same.status, 2, "refuses to overwrite the input");
  const tshark = needTool(t, "tshark");
  if (!tshark) return;
  const fields = execFileSync(tshark, ["-r", out, "-Y", "mqtt.msgtype==1", "-T", "fields", "-e", "mqtt.passwd", "-e", "mqtt.clientid"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  assert.equal(fields, `${"*".repeat(40)}\ta1WireLabDm.demo-device|securemode=3,signmethod=hmacsha1,timestamp=1705305600000|`);
  writeFileSync(join(dir, "done"), "");
});
