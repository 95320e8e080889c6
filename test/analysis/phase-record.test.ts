// A PhaseRecord keeps its Phase current as frames and steps join it, whatever
// fields the phase's kind has added to it, and the matcher reads where and
// when from the place it is given.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PhaseRecord } from "../../lib/analysis/phases";
import { PhaseMatcher } from "../../lib/analysis/phase-matcher";
import type { MqttMessage, Phase } from "../../lib/analysis/types";

test("addFrame and addStep move the phase's bounds and fill its arrays and traffic", () => {
  const record = new PhaseRecord(7, 2, "publish", 10, 1010, 10);
  const phase = record.phase;
  phase.topic = "t"; // a kind's own field: the phase's shape changes, its bounds still follow
  record.addStep("PUBLISH", 10, 1010, 10, "client->server");
  record.addFrame(10, 1010, 10, true, true, 66, 4, 20);
  record.addFrame(12, 1012.5, 12.5, false, true, 66, 4, 0);
  record.addStep("PUBACK", 12, 1012.5, 12.5, "server->client");
  record.addFrame(9, 1009, 9, true, true, 66, 0, 0); // an earlier frame: the start moves back, not the end
  assert.equal(phase.startFrame, 9);
  assert.equal(phase.endFrame, 12);
  assert.equal(phase.end, 1012.5);
  assert.equal(phase.relativeEnd, 12.5);
  assert.deepEqual(phase.frames, [10, 12, 9]);
  assert.deepEqual(phase.steps.map((s) => s.type), ["PUBLISH", "PUBACK"]);
  assert.deepEqual(phase.clientToServer, { packets: 2, bytes: 156, tcpIpBytes: 132, mqttHeaderBytes: 4, payloadBytes: 20 });
  assert.deepEqual(phase.serverToClient, { packets: 1, bytes: 70, tcpIpBytes: 66, mqttHeaderBytes: 4, payloadBytes: 0 });
  assert.equal(record.kind, "publish");
  assert.equal(record.relativeStart, 10);
  // Emitted: no more traffic is counted.
  record.emitted = true;
  record.addFrame(20, 1020, 20, true, true, 66, 0, 0);
  assert.equal(phase.endFrame, 12);
  assert.equal(phase.clientToServer.packets, 2);
});

test("match takes frame, time and direction from the place it is given", () => {
  const phases: Phase[] = [];
  let id = 0;
  const matcher = new PhaseMatcher(0, { nextPhaseId: () => id++, phase: (p) => phases.push(p), report: () => undefined, openTcpPhaseStatus: () => "incomplete" });
  const base = { stream: 0, length: 2, headerLength: 2, protocolVersion: 4 };
  const ping: MqttMessage = { ...base, type: "PINGREQ", frame: 1, time: 1001, relativeTime: 1, direction: "client->server" };
  const pong: MqttMessage = { ...base, type: "PINGRESP", frame: 2, time: 1002, relativeTime: 2, direction: "server->client" };
  matcher.match(ping, 12, { frame: 5, time: 1005, relativeTime: 5, direction: "client->server" });
  matcher.match(pong, 13, { frame: 6, time: 1006.25, relativeTime: 6.25, direction: "server->client" });
  matcher.emitSettled(true);
  assert.equal(phases.length, 1);
  assert.deepEqual(phases[0].steps.map((s) => [s.type, s.frame, s.direction]), [["PINGREQ", 5, "client->server"], ["PINGRESP", 6, "server->client"]]);
  assert.equal(phases[0].startFrame, 5);
  assert.equal(phases[0].latency, 1.25);
});
