// Issues of the main codes carry typed data, and their message is formatted
// from it; the data stays out of the JSON (goldens unchanged).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { describeIssue, issueData, issueSchemas, makeIssue, parseIssueData, type DataIssueCode } from "../../lib/expert/issues";
import { fixtureDir } from "../helpers/fixtures";

test("a refused login's issues carry the return code and the refused subscriptions as data, and the message says the same", async () => {
  const analysis = await analyzeCapture(join(fixtureDir, "refused-login.pcapng"));
  const refused = analysis.issues.find((i) => i.code === "mqtt.connection_refused");
  assert.ok(refused);
  const data = issueData(refused, "mqtt.connection_refused");
  assert.ok(data, "connection_refused has data");
  const connack = analysis.messages.find((m) => m.type === "CONNACK" && m.frame === refused.frame);
  assert.equal(data.returnCode, connack?.returnCode ?? connack?.reasonCode);
  assert.equal(refused.message, issueSchemas["mqtt.connection_refused"].message(data));
  assert.match(refused.message, new RegExp(`\\(code ${data.returnCode}\\)`));
  const suback = analysis.issues.find((i) => i.code === "mqtt.subscription_refused");
  assert.ok(suback);
  const subackData = issueData(suback, "mqtt.subscription_refused");
  assert.ok(subackData && subackData.refused >= 1 && subackData.refused <= subackData.requested);
  for (const issue of analysis.issues) {
    if (issue.data !== undefined) assert.deepEqual(parseIssueData(issue.code as DataIssueCode, issue.data), [], issue.message);
    assert.ok(!("data" in JSON.parse(JSON.stringify(issue))), "the data is not in the JSON");
  }
});

test("issue data: the message is formatted from it, the schema checks it, other codes have none", () => {
  const issue = makeIssue("tcp.duplicate_ack", 9, describeIssue("tcp.duplicate_ack", { count: 3, ackedFrame: 7 }), 0);
  assert.equal(issue.message, "Duplicate ACK (#3) of frame 7");
  assert.deepEqual(issueData(issue, "tcp.duplicate_ack"), { count: 3, ackedFrame: 7 });
  assert.equal(issueData(issue, "tcp.reassembly_gap"), undefined);
  const gap = describeIssue("tcp.reassembly_gap", { direction: "client->server", missingBytes: 120, mqtt: true });
  assert.equal(gap.text, "120 byte(s) of the client->server stream were not captured; MQTT decoding resumes at the next packet boundary");
  assert.deepEqual(parseIssueData("tcp.reassembly_gap", gap.data), []);
  assert.deepEqual(parseIssueData("tcp.reassembly_gap", { direction: "x", missingBytes: 1.5, mqtt: "yes", extra: 1 }), [
    "tcp.reassembly_gap: missingBytes must be an integer",
    "tcp.reassembly_gap: mqtt must be a boolean",
    "tcp.reassembly_gap: unknown field extra",
  ]);
  assert.equal(makeIssue("mqtt.unanswered", 1, "no answer").data, undefined);
});
