// The expert-info registry: every Wireshark field it names is one tshark knows,
// so a filter taken from the registry works in Wireshark.
import { test } from "node:test";
import assert from "node:assert/strict";
import { expertInfo, wiresharkFilterFor, type IssueCode } from "../../lib/expert/issues";
import { needTool, tsharkFieldNames } from "../helpers/tools";

const codes = Object.keys(expertInfo) as IssueCode[];

test("the registry names Wireshark's field for the TCP sequence-analysis findings", () => {
  assert.equal(wiresharkFilterFor("tcp.previous_segment_not_captured"), "tcp.analysis.lost_segment");
  assert.equal(wiresharkFilterFor("tcp.duplicate_ack"), "tcp.analysis.duplicate_ack");
  assert.equal(wiresharkFilterFor("mqtt.connect_missing"), "mqtt.unknown_version");
  assert.equal(wiresharkFilterFor("mqtt.unanswered"), undefined, "a finding Wireshark does not report has no field");
});

test("every Wireshark field in the registry is a field tshark registers", (t) => {
  const tshark = needTool(t, "tshark");
  if (!tshark) return;
  const known = tsharkFieldNames(tshark);
  const named = codes.map(wiresharkFilterFor).filter((field): field is string => field !== undefined);
  assert.ok(named.length >= 10, `only ${named.length} codes carry a Wireshark field`);
  for (const field of named) assert.ok(known.has(field), `tshark has no field ${field}`);
});
