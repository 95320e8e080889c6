// The phase matcher from plain lists of messages, no bytes: requests paired
// with responses, orphans, DUP republishes, refusals, the unanswered at the end,
// and the order phases are emitted in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PhaseMatcher } from "../../lib/analysis/phase-matcher";
import type { MqttMessage, Phase } from "../../lib/analysis/types";

type Spec = Partial<MqttMessage> & Pick<MqttMessage, "type">;
const C2S = "client->server" as const;
const S2C = "server->client" as const;

/** Feed the messages (frame n at n seconds) and end the connection; what came out. */
function run(specs: Spec[]): { phases: Phase[]; issues: string[]; emittedAfter: number[] } {
  const phases: Phase[] = [];
  const issues: string[] = [];
  const emittedAfter: number[] = [];
  let nextId = 0;
  let fed = 0;
  const matcher = new PhaseMatcher(0, {
    nextPhaseId: () => nextId++,
    phase: (phase) => {
      phases.push(phase);
      emittedAfter.push(fed);
    },
    report: (code, frame) => issues.push(`${code}@${frame}`),
    openTcpPhaseStatus: () => "incomplete",
  });
  specs.forEach((spec, i) => {
    const frame = i + 1;
    const message = { frame, time: 1000 + frame, relativeTime: frame, stream: 0, direction: C2S, length: 2, headerLength: 2, protocolVersion: 4, ...spec } as MqttMessage;
    const record = matcher.match(message);
    if (record) record.addFrame(frame, message.time, message.relativeTime, message.direction === C2S, true, 0, message.length, 0);
    fed++;
    matcher.emitSettled(false);
  });
  matcher.emitSettled(true);
  return { phases, issues, emittedAfter };
}

const summary = (p: Phase) => ({ kind: p.kind, status: p.status, steps: p.steps.map((s) => `${s.type}@${s.frame}`) });

const cases: Array<{ name: string; messages: Spec[]; phases: Array<ReturnType<typeof summary>>; issues?: string[] }> = [
  {
    name: "a DUP republish joins the phase of the PUBLISH it repeats",
    messages: [
      { type: "PUBLISH", qos: 1, messageId: 7, topic: "t" },
      { type: "PUBLISH", qos: 1, messageId: 7, topic: "t", dup: true },
      { type: "PUBACK", messageId: 7, direction: S2C },
    ],
    phases: [{ kind: "publish", status: "complete", steps: ["PUBLISH@1", "PUBLISH (DUP)@2", "PUBACK@3"] }],
  },
  {
    name: "an orphan PUBACK, PUBREC and PINGRESP each make a phase whose request was not captured",
    messages: [
      { type: "PUBACK", messageId: 1, direction: S2C },
      { type: "PUBREC", messageId: 2, direction: S2C },
      { type: "PINGRESP", direction: S2C },
    ],
    phases: [
      { kind: "publish", status: "request-not-captured", steps: ["PUBACK@1"] },
      { kind: "publish", status: "request-not-captured", steps: ["PUBREC@2"] },
      { kind: "ping", status: "request-not-captured", steps: ["PINGRESP@3"] },
    ],
    issues: ["mqtt.unexpected_response@1", "mqtt.unexpected_response@2", "mqtt.unexpected_response@3"],
  },
  {
    name: "UNSUBSCRIBE is answered by UNSUBACK",
    messages: [
      { type: "UNSUBSCRIBE", messageId: 4, unsubscriptions: ["a/b"] },
      { type: "UNSUBACK", messageId: 4, direction: S2C },
    ],
    phases: [{ kind: "unsubscribe", status: "complete", steps: ["UNSUBSCRIBE@1", "UNSUBACK@2"] }],
  },
  {
    name: "a partly refused SUBACK completes the phase and reports the refusal; a wholly refused one is refused",
    messages: [
      { type: "SUBSCRIBE", messageId: 1, subscriptions: [{ topic: "a", qos: 1 }, { topic: "b", qos: 1 }] },
      { type: "SUBACK", messageId: 1, granted: [1, 0x80], direction: S2C },
      { type: "SUBSCRIBE", messageId: 2, subscriptions: [{ topic: "c", qos: 1 }] },
      { type: "SUBACK", messageId: 2, granted: [0x80], direction: S2C },
    ],
    phases: [
      { kind: "subscribe", status: "complete", steps: ["SUBSCRIBE@1", "SUBACK@2"] },
      { kind: "subscribe", status: "refused", steps: ["SUBSCRIBE@3", "SUBACK@4"] },
    ],
    issues: ["mqtt.subscription_refused@2", "mqtt.subscription_refused@4"],
  },
  {
    name: "a request unanswered at the end of the capture is emitted last, as unanswered, after the phases that settled",
    messages: [
      { type: "PINGREQ" },
      { type: "PUBLISH", qos: 0, topic: "t" },
    ],
    phases: [
      { kind: "publish", status: "complete", steps: ["PUBLISH@2"] },
      { kind: "ping", status: "unanswered", steps: ["PINGREQ@1"] },
    ],
    issues: ["mqtt.unanswered@1"],
  },
  {
    name: "QoS 2: PUBREC, PUBREL (from the publisher), PUBCOMP in one phase",
    messages: [
      { type: "PUBLISH", qos: 2, messageId: 3, topic: "t", direction: S2C },
      { type: "PUBREC", messageId: 3, direction: C2S },
      { type: "PUBREL", messageId: 3, direction: S2C },
      { type: "PUBCOMP", messageId: 3, direction: C2S },
    ],
    phases: [{ kind: "publish", status: "complete", steps: ["PUBLISH@1", "PUBREC@2", "PUBREL@3", "PUBCOMP@4"] }],
  },
];

for (const c of cases) {
  test(`phase matcher: ${c.name}`, () => {
    const { phases, issues } = run(c.messages);
    assert.deepEqual(phases.map(summary), c.phases);
    assert.deepEqual(issues, c.issues ?? []);
  });
}

test("phase matcher: a settled phase is emitted two messages later (its trailing ACKs count first); latency is response − request", () => {
  const { phases, emittedAfter } = run([
    { type: "CONNECT", clientId: "d1", keepalive: 60, protocolVersion: 4 },
    { type: "CONNACK", returnCode: 0, sessionPresent: false, direction: S2C },
    { type: "PINGREQ" },
    { type: "PINGRESP", direction: S2C },
  ]);
  assert.deepEqual(phases.map((p) => p.kind), ["connect", "ping"]);
  assert.deepEqual(emittedAfter, [4, 4], "CONNACK settles at message 2 and goes out after message 4; the ping waits for the end");
  assert.equal(phases[0].latency, 1);
  assert.equal(phases[0].clientId, "d1");
});

test("phase matcher: a refused CONNACK is reported with the level's meaning of its code", () => {
  const { phases, issues } = run([
    { type: "CONNECT", clientId: "d1", protocolVersion: 5 },
    { type: "CONNACK", reasonCode: 0x86, protocolVersion: 5, direction: S2C },
  ]);
  assert.equal(phases[0].status, "refused");
  assert.deepEqual(issues, ["mqtt.connection_refused@2"]);
});
