// The `iot-wire-lab analyze` command, run as a user runs it: a child process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { fixtureDir, projectRoot } from "../helpers/fixtures";
import { publicCapturesDir, publicCapturesHint } from "../helpers/tools";

const cli = join(projectRoot, "dist", "lib", "cli", "main.js");
// The tutorial capture (our own fixture, always present) and a public one (skipped where ../shared is absent).
const tutorial = join(fixtureDir, "tutorial.pcap");
const qos2 = join(publicCapturesDir, "sv_mqtt311-pub-qos2.pcap");
const mqtt5 = join(fixtureDir, "tutorial-mqtt5.pcapng");

function run(args: string[], input?: Buffer) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", input, maxBuffer: 1 << 26 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("table: the tutorial capture, every seed step in order with its phase", () => {
  const { code, stdout, stderr } = run(["analyze", tutorial]);
  assert.equal(code, 0, stderr);
  const lines = stdout.split("\n");
  assert.match(lines[0], /No\.\s+Time\s+Source\s+Destination\s+Protocol\s+Length\s+Phase\s+Info/);
  const rows = lines.slice(1, 18);
  const expected: Array<[string, RegExp]> = [
    ["tcp-handshake", /\d+ → 1883 \[SYN\] Seq=0 Win=\d+ Len=0 MSS=\d+ SACK_PERM TSval=\d+ TSecr=0 WS=\d+$/],
    ["tcp-handshake", /1883 → \d+ \[SYN, ACK\] Seq=0 Ack=1 /],
    ["tcp-handshake", /\d+ → 1883 \[ACK\] Seq=1 Ack=1 /],
    ["connect", /Connect Command$/],
    ["connect", /1883 → \d+ \[ACK\]/],
    ["connect", /Connect Ack$/],
    ["connect", /\[ACK\]/],
    ["subscribe", /Subscribe Request \(id=\d+\) \[\/a1WireLabDm\/demo-device\/user\/get\]$/],
    ["subscribe", /Subscribe Ack \(id=\d+\)$/],
    ["subscribe", /\[ACK\]/],
    ["publish", /Publish Message \(id=\d+\) \[\/a1WireLabDm\/demo-device\/user\/update\]$/],
    ["publish", /Publish Ack \(id=\d+\)$/],
    ["publish", /\[ACK\]/],
    ["disconnect", /Disconnect Req$/],
    ["tcp-teardown", /\[FIN, ACK\]/],
    ["tcp-teardown", /\[FIN, ACK\]/],
    ["tcp-teardown", /\[ACK\]/],
  ];
  expected.forEach(([phase, info], i) => {
    assert.match(rows[i], new RegExp(`^\\s*${i + 1}\\s.*\\s${phase}\\s`), `row ${i + 1} is in phase ${phase}: ${rows[i]}`);
    assert.match(rows[i], info, `row ${i + 1}`);
  });
  assert.match(stdout, /17 frames .* 1 TCP connection\(s\) · 7 MQTT message\(s\) · 6 phase\(s\)/);
  assert.match(stdout, /publish .*PUBLISH → PUBACK \(id=\d+, QoS 1\) \[\/a1WireLabDm\/demo-device\/user\/update\] device → platform in /);
  assert.match(stdout, /tcp-teardown .*closes: FIN → FIN → ACK \(3 packet\(s\)\)/);
});

test("table: a public capture's QoS 2 exchange", (t) => {
  if (!existsSync(qos2)) return t.skip(publicCapturesHint(qos2));
  const { code, stdout, stderr } = run(["analyze", qos2]);
  assert.equal(code, 0, stderr);
  const lines = stdout.split("\n");
  assert.match(lines[0], /No\.\s+Time\s+Source\s+Destination\s+Protocol\s+Length\s+Phase\s+Info/);
  const infos = lines.slice(1, 16);
  const order = ["[SYN]", "[SYN, ACK]", "[ACK]", "Connect Command", "[ACK]", "Connect Ack", "[ACK]", "Publish Message (id=1) [topicX]", "Publish Received (id=1)", "Publish Release (id=1)", "Publish Complete (id=1)", "Disconnect Req", "[FIN, ACK]", "[FIN, ACK]", "[ACK]"];
  order.forEach((text, i) => assert.ok(infos[i].includes(text), `row ${i + 1} should contain ${text}: ${infos[i]}`));
  assert.match(infos[0], /tcp-handshake\s+38546 → 1883 \[SYN\] Seq=0 Win=65476 Len=0 MSS=65476 SACK_PERM/);
  assert.match(stdout, /Phases\n/);
  assert.match(stdout, /publish .*PUBLISH → PUBREC → PUBREL → PUBCOMP \(id=1, QoS 2\) \[topicX\]/);
  assert.match(stdout, /Phase timings\n/);
  assert.match(stdout, /MQTT 3\.1\.1\s+::1:38546\s+::1:1883/);
});

test("json: the same object analyzeCapture returns, streamed", async () => {
  const { code, stdout } = run(["analyze", mqtt5, "--format", "json"]);
  assert.equal(code, 0);
  const parsed = JSON.parse(stdout);
  // The CLI masks CONNECT passwords unless --show-passwords: the same as analyzeCapture's redactPasswords.
  const direct = JSON.parse(JSON.stringify(await analyzeCapture(mqtt5, { redactPasswords: true })));
  assert.deepEqual(parsed.messages, direct.messages);
  const shown = JSON.parse(run(["analyze", mqtt5, "--format", "json", "--show-passwords"]).stdout);
  assert.deepEqual(shown.messages, JSON.parse(JSON.stringify(await analyzeCapture(mqtt5))).messages);
  assert.deepEqual(parsed.packets, direct.packets);
  assert.deepEqual(
    parsed.phases.sort((a: { id: number }, b: { id: number }) => a.id - b.id),
    direct.phases.sort((a: { id: number }, b: { id: number }) => a.id - b.id),
  );
  assert.deepEqual(parsed.connections, direct.connections);
  assert.equal(parsed.capture.frames, direct.capture.frames);
});

test("jsonl, csv, --stream, --redact and standard input", () => {
  const jsonl = run(["analyze", mqtt5, "--format", "jsonl"]).stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(jsonl[0].kind, "capture");
  assert.equal(jsonl[jsonl.length - 1].kind, "end");
  assert.equal(jsonl.filter((e) => e.kind === "packet").length, 17);
  const csv = run(["analyze", mqtt5, "--format", "csv"]).stdout.trim().split("\n");
  assert.equal(csv[0], "frame,time,stream,direction,type,messageId,topic,qos,returnCode,reasonCode,clientId,username,length,payloadLength,frames,malformed");
  assert.deepEqual(
    csv.slice(1).map((l) => l.split(",")[4]),
    ["CONNECT", "CONNACK", "SUBSCRIBE", "SUBACK", "PUBLISH", "PUBACK", "DISCONNECT"],
  );
  const shown = JSON.parse(run(["analyze", mqtt5, "--format", "json", "--show-passwords"]).stdout);
  const connect = shown.messages.find((m: { type: string }) => m.type === "CONNECT");
  assert.ok(connect.password && !connect.password.startsWith("<redacted"), "--show-passwords prints the password the protocol carries");
  // By default neither json nor jsonl prints it: masked as the table and the report do.
  for (const args of [[], ["--redact"]]) {
    const jsonText = run(["analyze", mqtt5, "--format", "json", ...args]).stdout;
    assert.match(JSON.parse(jsonText).messages.find((m: { type: string }) => m.type === "CONNECT").password, /^<redacted \d+ bytes>$/);
    assert.ok(!jsonText.includes(connect.password), "json carries no clear password");
  }
  const jsonlText = run(["analyze", mqtt5, "--format", "jsonl"]).stdout;
  assert.ok(!jsonlText.includes(connect.password), "jsonl carries no clear password");
  assert.match(jsonlText, /"password":"<redacted \d+ bytes>"/);
  assert.ok(run(["analyze", mqtt5, "--format", "jsonl", "--show-passwords"]).stdout.includes(connect.password));
  assert.equal(run(["analyze", mqtt5, "--show-passwords", "--redact"]).code, 2);
  const fromStdin = run(["analyze", "-", "--format", "csv"], readFileSync(mqtt5));
  assert.equal(fromStdin.stdout, run(["analyze", mqtt5, "--format", "csv"]).stdout);
  const none = run(["analyze", mqtt5, "--stream", "7"]).stdout;
  assert.ok(!/tcp-handshake/.test(none.split("\n\n")[0]), "--stream 7 (no such stream) leaves the packet list empty");
  const zero = run(["analyze", mqtt5, "--stream", "0"]).stdout;
  assert.match(zero, /tcp-handshake/);
});

test("a file that is not a capture: one line on stderr, exit code 2", () => {
  const dir = mkdtempSync(join(tmpdir(), "iwl-"));
  const text = join(dir, "notes.pcap");
  writeFileSync(text, "this is not a capture file\n");
  const { code, stderr, stdout } = run(["analyze", text]);
  assert.equal(code, 2);
  assert.equal(stdout, "");
  assert.equal(stderr.trim().split("\n").length, 1);
  assert.match(stderr, /not a pcap or pcapng capture: it starts with 74 68 69 73 .*looks like text/);
  assert.doesNotMatch(stderr, /at .*\.js:\d+/, "no stack trace");
  const missing = run(["analyze", join(dir, "nope.pcap")]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such file/);
  const badOption = run(["analyze", text, "--format", "xml"]);
  assert.equal(badOption.code, 2);
  assert.match(badOption.stderr, /--format must be table, json, jsonl or csv/);
});

test("a capture damaged part-way: what came before, plus the issue", () => {
  const dir = mkdtempSync(join(tmpdir(), "iwl-"));
  const cut = join(dir, "cut.pcap");
  const bytes = readFileSync(tutorial);
  writeFileSync(cut, bytes.subarray(0, bytes.length - 20));
  const { code, stdout } = run(["analyze", cut]);
  assert.equal(code, 0);
  assert.match(stdout, /Disconnect Req/);
  assert.match(stdout, /16 frames/);
  assert.match(stdout, /file\.truncated/);
});

test("--tls-keylog: a missing or non-key-log file is one line and exit code 2, never echoing the file; a key log is accepted", () => {
  const dir = mkdtempSync(join(tmpdir(), "iwl-keylog-"));
  const missing = run(["analyze", tutorial, "--tls-keylog", join(dir, "nope.keylog")]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr.trim(), /^iot-wire-lab.*--tls-keylog: cannot read .*nope\.keylog: ENOENT$/);
  const secret = "d3adb33f".repeat(12);
  const notKeyLog = join(dir, "secret.txt");
  writeFileSync(notKeyLog, `${secret} ${secret}\n`);
  const refused = run(["analyze", tutorial, "--tls-keylog", notKeyLog]);
  assert.equal(refused.code, 2);
  assert.equal(refused.stderr.trim().split("\n").length, 1, refused.stderr);
  assert.ok(!refused.stderr.includes("d3adb33f"), "the file's contents are never printed");
  const keyLog = join(dir, "good.keylog");
  writeFileSync(keyLog, `CLIENT_RANDOM ${"ab".repeat(32)} ${"cd".repeat(48)}\n`);
  const accepted = run(["analyze", tutorial, "--tls-keylog", keyLog, "--tls-port", "8884", "--no-packets"]);
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.ok(!accepted.stdout.includes("cd".repeat(48)));
});
