// The `iot-wire-lab check` command, run as a user runs it: a child process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatFindingsTable } from "../../lib/cli/check";
import { terminalText } from "../../lib/text/terminal-text";
import { fixtureDir, projectRoot } from "../helpers/fixtures";
import { login, mqttConversation, publish } from "../helpers/mqtt-conversation";

const cli = join(projectRoot, "dist", "lib", "cli", "main.js");

function run(args: string[], input?: Buffer) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", input, maxBuffer: 1 << 26 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function writeCapture(bytes: Uint8Array): string {
  const file = join(mkdtempSync(join(tmpdir(), "iwl-check-")), "capture.pcap");
  writeFileSync(file, bytes);
  return file;
}

test("check: the tutorial capture passes (exit 0); json is {findings}", () => {
  const table = run(["check", join(fixtureDir, "tutorial.pcapng")]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /finding\(s\): 0 fail, 0 warn/);
  const json = run(["check", join(fixtureDir, "tutorial.pcapng"), "--format", "json"]);
  assert.equal(json.code, 0);
  const parsed = JSON.parse(json.stdout) as { findings: { severity: string }[] };
  assert.ok(Array.isArray(parsed.findings));
  assert.ok(parsed.findings.every((f) => f.severity === "info"));
  // The aliyun profile flags plain TCP as a warning, not a failure.
  const aliyun = JSON.parse(run(["check", join(fixtureDir, "tutorial.pcapng"), "--format", "json", "--profile", "aliyun"]).stdout) as { findings: { code: string }[] };
  assert.ok(aliyun.findings.some((f) => f.code === "aliyun.unencrypted_tcp"));
});

test("check: a device that falls silent and is dropped exits 1, with the rule, frames and filter; stdin works too", () => {
  const file = writeCapture(mqttConversation([...login(0, 0, "silent", { keepalive: 4 }), { at: 6.1, conn: 0, close: "server" }]));
  const { code, stdout } = run(["check", file]);
  assert.equal(code, 1);
  assert.match(stdout, /^FAIL {2}mqtt\.keepalive_exceeded {2}stream 0 {2}client "silent" {2}frames \d+, \d+$/m);
  assert.match(stdout, /^FAIL {2}mqtt\.keepalive_timeout_close /m);
  assert.match(stdout, /filter: tcp\.stream == 0 && \(frame\.number == \d+ \|\| frame\.number == \d+\)/);
  const json = run(["check", "-", "--format", "json"], Buffer.from(mqttConversation([...login(0, 0, "silent", { keepalive: 4 }), { at: 6.1, conn: 0, close: "server" }])));
  assert.equal(json.code, 1);
  const codes = (JSON.parse(json.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code);
  assert.ok(codes.includes("mqtt.keepalive_timeout_close"));
});

test("check: unusable input and bad options exit 2 with one line", () => {
  const notCapture = join(mkdtempSync(join(tmpdir(), "iwl-check-")), "x.pcap");
  writeFileSync(notCapture, "not a capture at all");
  const bad = run(["check", notCapture]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split("\n").length, 1);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
  assert.equal(run(["check", join(fixtureDir, "tutorial.pcapng"), "--profile", "aws"]).code, 2);
  assert.equal(run(["check", join(fixtureDir, "tutorial.pcapng"), "--format", "csv"]).code, 2);
  assert.equal(run(["check", join(fixtureDir, "missing.pcap")]).code, 2);
});

test("check table: control characters from the capture are escaped, never printed raw", () => {
  assert.equal(terminalText("a\u001b[31mb\u0085"), "a\\x1b[31mb\\u0085");
  const file = writeCapture(mqttConversation([...login(0, 0, "evil\u001b[2J", { keepalive: 0 }), { at: 1, conn: 0, from: "client", packet: publish("t\u0007", "x", { retain: true }) }]));
  const { stdout } = run(["check", file]);
  assert.doesNotMatch(stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  assert.match(stdout, /client "evil\\u001b\[2J"/);
  assert.match(formatFindingsTable([]), /0 finding\(s\)/);
});
