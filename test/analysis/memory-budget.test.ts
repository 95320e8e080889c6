// analyzeCapture on a capture too big for memory: it keeps what fits, says
// where it stopped, and counts everything, instead of dying with "JavaScript
// heap out of memory". A budget of one byte stands in for a huge capture: the
// first check between chunks is already over it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { fixtureDir } from "../helpers/fixtures";

const fleet = join(fixtureDir, "fleet-5.pcapng");

test("within budget (the default on a small capture): everything is kept, nothing is capped", async () => {
  const analysis = await analyzeCapture(fleet, { chunkSize: 1024 });
  assert.equal(analysis.packets.length, analysis.capture.frames);
  assert.equal(analysis.messages.length, analysis.capture.mqttMessages);
  assert.equal(analysis.phases.length, analysis.capture.phases);
  assert.ok(!analysis.issues.some((i) => i.code === "file.packet_list_capped" || i.code === "file.results_capped"));
});

test("over budget: the packet list, then messages and phases stop growing, each cut is an issue at its frame, the counts stay whole", async () => {
  const whole = await analyzeCapture(fleet, { chunkSize: 1024 });
  const capped = await analyzeCapture(fleet, { chunkSize: 4096, memoryBudget: 1 });

  // The counts cover the whole capture.
  assert.equal(capped.capture.frames, whole.capture.frames);
  assert.equal(capped.capture.mqttMessages, whole.messages.length);
  assert.equal(capped.capture.phases, whole.phases.length);
  assert.equal(capped.connections.length, whole.connections.length);

  const packetCut = capped.issues.find((i) => i.code === "file.packet_list_capped");
  const resultCut = capped.issues.find((i) => i.code === "file.results_capped");
  assert.ok(packetCut && resultCut, capped.issues.map((i) => i.code).join(" "));
  assert.equal(packetCut.layer, "file");
  assert.equal(resultCut.severity, "error");
  assert.ok(packetCut.frame > 0 && packetCut.frame < whole.capture.frames, `cut at frame ${packetCut.frame}`);
  assert.match(packetCut.message, new RegExp(`keeps frames 1–${packetCut.frame} only: the heap reached [\\d,]+ MiB of the 0 MiB .*streamCapture\\(\\)`));
  assert.match(resultCut.message, new RegExp(`after frame ${resultCut.frame} are counted .* not kept.*--max-old-space-size`));
  assert.equal(capped.capture.issueCounts["file.results_capped"], 1);

  // What was kept is exactly the beginning of the uncapped analysis.
  assert.equal(capped.packets.length, packetCut.frame);
  assert.deepEqual(capped.packets, whole.packets.slice(0, packetCut.frame));
  assert.ok(capped.messages.length > 0 && capped.messages.length < whole.messages.length);
  assert.deepEqual(capped.messages, whole.messages.slice(0, capped.messages.length));
  assert.ok(capped.messages.every((m) => m.frame <= resultCut.frame));
  assert.ok(capped.phases.length < whole.phases.length);
});

test("messages: false keeps no messages and changes nothing else (phases, connections, packets, counts, issues)", async () => {
  const whole = await analyzeCapture(fleet);
  const phasesOnly = await analyzeCapture(fleet, { messages: false });
  assert.ok(whole.messages.length > 0);
  assert.equal(phasesOnly.messages.length, 0);
  assert.equal(phasesOnly.capture.mqttMessages, whole.messages.length);
  assert.deepEqual(phasesOnly.phases, whole.phases);
  assert.deepEqual(phasesOnly.connections, whole.connections);
  assert.deepEqual(phasesOnly.packets, whole.packets);
  assert.deepEqual(phasesOnly.issues, whole.issues);
  assert.deepEqual(phasesOnly.capture, whole.capture);
});
