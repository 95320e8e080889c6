// Each rule of the behaviour checks on crafted captures: one conversation
// that keeps the rule and one that breaks it, built packet by packet with
// mqtt-packet and checked through the whole analysis.
import { test } from "node:test";
import assert from "node:assert/strict";
import { analyzeCapture, streamCapture } from "../../lib/analysis/analyze";
import { BehaviourChecker, checkBehaviour, type Finding, type BehaviourOptions } from "../../lib/behaviour";
import { disconnect, login, mqttConversation, pingreq, pingresp, puback, publish, type Step } from "../helpers/mqtt-conversation";

async function findings(steps: Step[], options: BehaviourOptions = {}, protocolVersion: 4 | 5 = 4): Promise<Finding[]> {
  return checkBehaviour(await analyzeCapture(mqttConversation(steps, { protocolVersion })), options);
}

function only(all: Finding[], code: string): Finding[] {
  return all.filter((f) => f.code === code);
}

const PK = "a1B2c3D4e5F";
const ALIYUN_ID = `${PK}.dev1|securemode=2,signmethod=hmacsha1,timestamp=1700000000000|`;
const ALIYUN_LOGIN = { username: `dev1&${PK}`, password: Buffer.from("0123456789abcdef") };

// keep-alive -----------------------------------------------------------------

test("mqtt.keepalive_exceeded: PINGREQ within the keep-alive passes; 40 s of silence at keep-alive 20 fails, citing the 1.5× deadline", async () => {
  const good = await findings([...login(0, 0, "dev", { keepalive: 20 }), { at: 19, conn: 0, from: "client", packet: pingreq }, { at: 19.01, conn: 0, from: "server", packet: pingresp }, { at: 38, conn: 0, from: "client", packet: disconnect }, { at: 38.1, conn: 0, close: "client" }]);
  assert.deepEqual(only(good, "mqtt.keepalive_exceeded"), []);
  const bad = await findings([...login(0, 0, "dev", { keepalive: 20 }), { at: 40, conn: 0, from: "client", packet: pingreq }, { at: 40.01, conn: 0, from: "server", packet: pingresp }, { at: 41, conn: 0, from: "client", packet: disconnect }, { at: 41.1, conn: 0, close: "client" }]);
  const [finding] = only(bad, "mqtt.keepalive_exceeded");
  assert.equal(finding?.severity, "fail");
  assert.match(finding!.message, /\[MQTT-3\.1\.2-24\]/);
  assert.equal(Math.round(finding!.data!.silence!), 40);
  assert.equal(finding!.data!.keepalive, 20);
  assert.equal(finding!.frames.length, 2);
  assert.match(finding!.filter, /^tcp\.stream == 0 && \(frame\.number == \d+ \|\| frame\.number == \d+\)$/);
  // 25 s at keep-alive 20 is past the keep-alive but within 1.5×: a warning.
  const near = await findings([...login(0, 0, "dev", { keepalive: 20 }), { at: 25, conn: 0, from: "client", packet: pingreq }, { at: 26, conn: 0, from: "client", packet: disconnect }, { at: 26.1, conn: 0, close: "client" }]);
  assert.equal(only(near, "mqtt.keepalive_exceeded")[0]?.severity, "warn");
});

test("mqtt.keepalive_timeout_close: a server close after 1.5× keep-alive of silence is named; a server close after a short silence is not", async () => {
  const timedOut = await findings([...login(0, 0, "dev", { keepalive: 10 }), { at: 15.2, conn: 0, close: "server" }]);
  const [finding] = only(timedOut, "mqtt.keepalive_timeout_close");
  assert.equal(finding?.severity, "fail");
  assert.match(finding!.message, /keep-alive timeout \[MQTT-3\.1\.2-24\]/);
  const early = await findings([...login(0, 0, "dev", { keepalive: 10 }), { at: 2, conn: 0, close: "server" }]);
  assert.deepEqual(only(early, "mqtt.keepalive_timeout_close"), []);
});

// reconnects -----------------------------------------------------------------

function dropLoop(gaps: number[]): Step[] {
  const steps: Step[] = [];
  let at = 0;
  gaps.forEach((gap, conn) => {
    steps.push(...login(conn, at, "looper", { keepalive: 60 }), { at: at + 0.5, conn, close: "server" });
    at += 0.5 + gap;
  });
  steps.push(...login(gaps.length, at, "looper"), { at: at + 1, conn: gaps.length, from: "client", packet: disconnect }, { at: at + 1.1, conn: gaps.length, close: "client" });
  return steps;
}

test("mqtt.reconnect_backoff: a fixed 1 s retry after drops fails (no back-off, no jitter); a growing back-off passes; each gap is reported", async () => {
  const flat = only(await findings(dropLoop([1, 1, 1, 1])), "mqtt.reconnect_backoff");
  assert.equal(flat.length, 1);
  assert.equal(flat[0]!.severity, "fail");
  assert.match(flat[0]!.message, /no back-off/);
  assert.match(flat[0]!.message, /no jitter/);
  assert.deepEqual(flat[0]!.data!.gaps!.map((g) => Math.round(g * 10) / 10), [1, 1, 1, 1]);
  assert.deepEqual(flat[0]!.streams, [0, 1, 2, 3, 4]);
  const growing = only(await findings(dropLoop([1, 2.3, 3.9, 8.6])), "mqtt.reconnect_backoff");
  assert.equal(growing[0]?.severity, "info");
  assert.match(growing[0]!.message, /back-off grows/);
  const exact = only(await findings(dropLoop([1, 2, 4, 8])), "mqtt.reconnect_backoff");
  assert.equal(exact[0]?.severity, "warn");
  assert.match(exact[0]!.message, /no jitter/);
});

test("mqtt.reconnect_backoff: refused logins retried at once fail too", async () => {
  const steps: Step[] = [];
  for (let i = 0; i < 4; i++) steps.push(...login(i, i * 0.3, "badpass", {}, 4), { at: i * 0.3 + 0.01, conn: i, close: "server" });
  const [finding] = only(await findings(steps), "mqtt.reconnect_backoff");
  assert.equal(finding?.severity, "fail");
  assert.equal(finding!.data!.gaps!.length, 3);
});

// takeover -------------------------------------------------------------------

test("mqtt.session_takeover: a second CONNECT of one clientId and the server closing the first is reported; two clientIds are not", async () => {
  const takeover = await findings([...login(0, 0, "twin"), ...login(1, 5, "twin"), { at: 5.01, conn: 0, close: "server" }, { at: 8, conn: 1, from: "client", packet: disconnect }, { at: 8.1, conn: 1, close: "client" }]);
  const [finding] = only(takeover, "mqtt.session_takeover");
  assert.equal(finding?.severity, "warn");
  assert.deepEqual(finding!.streams, [0, 1]);
  assert.equal(finding!.frames.length, 3);
  assert.match(finding!.message, /\[MQTT-3\.1\.4-2\]/);
  assert.deepEqual(only(takeover, "mqtt.reconnect_backoff"), []);
  const loop = await findings([...login(0, 0, "twin"), ...login(1, 1, "twin"), { at: 1.01, conn: 0, close: "server" }, ...login(2, 2, "twin"), { at: 2.01, conn: 1, close: "server" }]);
  assert.deepEqual(only(loop, "mqtt.session_takeover").map((f) => f.severity), ["warn", "fail"]);
  const distinct = await findings([...login(0, 0, "one"), ...login(1, 5, "two"), { at: 8, conn: 0, close: "client" }, { at: 8.1, conn: 1, close: "client" }]);
  assert.deepEqual(only(distinct, "mqtt.session_takeover"), []);
});

test("mqtt.session_takeover: MQTT 5 DISCONNECT 0x8E names the takeover", async () => {
  const v5 = { protocolVersion: 5 as const, properties: { sessionExpiryInterval: 0 } };
  const steps: Step[] = [...login(0, 0, "twin5", v5), ...login(1, 3, "twin5", v5), { at: 3.01, conn: 0, from: "server", packet: { cmd: "disconnect", reasonCode: 0x8e } }, { at: 3.02, conn: 0, close: "server" }];
  const [finding] = only(await findings(steps, {}, 5), "mqtt.session_takeover");
  assert.match(finding!.message, /0x8E \(Session taken over\)/);
});

// QoS ------------------------------------------------------------------------

test("mqtt.qos_resend: a resend without DUP fails [MQTT-3.3.1-1]; with DUP it is reported with its retry interval", async () => {
  const resend = (dup: boolean): Step[] => [
    ...login(0, 0, "q"),
    { at: 1, conn: 0, from: "client", packet: publish("t/1", "{}", { qos: 1, messageId: 7 }) },
    { at: 6, conn: 0, from: "client", packet: publish("t/1", "{}", { qos: 1, messageId: 7, dup }) },
    { at: 6.01, conn: 0, from: "server", packet: puback(7) },
    { at: 7, conn: 0, from: "client", packet: publish("t/1", "{}", { qos: 1, messageId: 7 }) },
    { at: 7.01, conn: 0, from: "server", packet: puback(7) },
  ];
  const [bad] = only(await findings(resend(false)), "mqtt.qos_resend");
  assert.equal(bad?.severity, "fail");
  assert.match(bad!.message, /\[MQTT-3\.3\.1-1\]/);
  assert.equal(bad!.filter, "tcp.stream == 0 && mqtt.msgtype == 3 && mqtt.msgid == 7");
  assert.equal(Math.round(bad!.data!.retryInterval!), 5);
  // Reusing 7 after its PUBACK (frame at 7 s) is a new message, not a resend: one finding only.
  const good = only(await findings(resend(true)), "mqtt.qos_resend");
  assert.deepEqual(good.map((f) => f.severity), ["info"]);
});

test("mqtt.qos_resend: a new message under an id still in flight, and DUP at QoS 0, fail", async () => {
  const reuse = await findings([...login(0, 0, "q"), { at: 1, conn: 0, from: "client", packet: publish("t/1", "a", { qos: 1, messageId: 3 }) }, { at: 2, conn: 0, from: "client", packet: publish("t/2", "bb", { qos: 1, messageId: 3 }) }]);
  assert.match(only(reuse, "mqtt.qos_resend")[0]!.message, /\[MQTT-2\.3\.1-2\]/);
  const dup0 = await findings([...login(0, 0, "q"), { at: 1, conn: 0, from: "client", packet: publish("t/1", "a", { qos: 0, dup: true }) }]);
  assert.match(only(dup0, "mqtt.qos_resend")[0]!.message, /\[MQTT-3\.3\.1-2\]/);
});

// Will and retained ------------------------------------------------------------

test("mqtt.will_published: a Will after a drop is paired with its CONNECT; a Will after a clean DISCONNECT fails [MQTT-3.1.2-10]", async () => {
  const will = { topic: "status/dev", payload: Buffer.from("offline"), qos: 0 as const, retain: false };
  const scenario = (clean: boolean): Step[] => [
    ...login(0, 0, "watcher"),
    { at: 0.1, conn: 0, from: "client", packet: { cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "status/#", qos: 0 }] } },
    ...login(1, 1, "dev", { will }),
    ...(clean ? [{ at: 2, conn: 1, from: "client" as const, packet: disconnect }] : []),
    { at: 2.1, conn: 1, close: clean ? "client" : "server" },
    { at: 2.2, conn: 0, from: "server", packet: publish("status/dev", "offline") },
  ];
  const dropped = only(await findings(scenario(false)), "mqtt.will_published");
  assert.equal(dropped.length, 1);
  assert.equal(dropped[0]!.severity, "info");
  assert.equal(dropped[0]!.clientId, "dev");
  assert.deepEqual(dropped[0]!.streams, [1, 0]);
  const cleaned = only(await findings(scenario(true)), "mqtt.will_published");
  assert.equal(cleaned[0]?.severity, "fail");
  // An ordinary message on another topic is no Will.
  const other = await findings([...login(0, 0, "w"), ...login(1, 1, "dev", { will }), { at: 2, conn: 0, from: "server", packet: publish("status/other", "offline") }]);
  assert.deepEqual(only(other, "mqtt.will_published"), []);
});

test("mqtt.retained: set and cleared retained messages are listed with what a new subscriber gets; plain publishes are not", async () => {
  const all = await findings([
    ...login(0, 0, "r"),
    { at: 1, conn: 0, from: "client", packet: publish("cfg/a", "on", { retain: true }) },
    { at: 2, conn: 0, from: "client", packet: publish("cfg/b", "x", { retain: true }) },
    { at: 3, conn: 0, from: "client", packet: publish("cfg/b", "", { retain: true }) },
    { at: 4, conn: 0, from: "client", packet: publish("plain", "p") },
  ]);
  const retained = only(all, "mqtt.retained");
  assert.deepEqual(retained.map((f) => f.data?.topic).sort(), ["cfg/a", "cfg/b"]);
  assert.match(retained.find((f) => f.data?.topic === "cfg/b")!.message, /cleared/);
  assert.match(retained.find((f) => f.data?.topic === "cfg/a")!.message, /new subscriber gets/);
  assert.deepEqual(only(await findings([...login(0, 0, "r"), { at: 1, conn: 0, from: "client", packet: publish("plain", "p") }]), "mqtt.retained"), []);
});

// CONNECT hygiene ------------------------------------------------------------------

test("mqtt.connect_hygiene: keep-alive 0, an empty clientId with a persistent session and control characters are flagged; a plain CONNECT is not", async () => {
  assert.deepEqual(only(await findings(login(0, 0, "sensor42")), "mqtt.connect_hygiene"), []);
  // mqtt-packet will not write an empty clientId with Clean Session 0: the bytes by hand.
  // 10 0c | 00 04 "MQTT" | 04 (3.1.1) | 00 (flags: Clean Session 0) | 00 00 (keep-alive 0) | 00 00 (clientId "")
  const emptyPersistent = Uint8Array.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00]);
  const bad = only(await findings([{ at: 0, conn: 0, open: true }, { at: 0.001, conn: 0, from: "client", packet: emptyPersistent }]), "mqtt.connect_hygiene");
  assert.deepEqual(bad.map((f) => f.severity), ["fail", "warn"]);
  assert.match(bad[0]!.message, /\[MQTT-3\.1\.3-7\]/);
  const control = only(await findings(login(0, 0, "dev\u001b[31m")), "mqtt.connect_hygiene");
  assert.ok(control.some((f) => f.severity === "warn" && /control characters/.test(f.message)));
});

// aliyun --------------------------------------------------------------------------------

test("aliyun profile: a well-formed device login passes (TLS aside); bad keep-alive, clientId, topics and a second login fail", async () => {
  const good = await findings([...login(0, 0, ALIYUN_ID, { ...ALIYUN_LOGIN, keepalive: 60 }), { at: 1, conn: 0, from: "client", packet: publish(`/${PK}/dev1/user/update`, "{}") }], { profile: "aliyun" });
  assert.deepEqual(
    good.filter((f) => f.code.startsWith("aliyun.")).map((f) => f.code),
    ["aliyun.unencrypted_tcp"],
  );
  const bad = await findings(
    [
      ...login(0, 0, ALIYUN_ID, { ...ALIYUN_LOGIN, keepalive: 10 }),
      { at: 1, conn: 0, from: "client", packet: publish(`/${PK}/other/user/update`, "{}") },
      ...login(1, 2, "plain-id", { ...ALIYUN_LOGIN, keepalive: 60 }),
    ],
    { profile: "aliyun" },
  );
  const codes = (code: string) => only(bad, code).map((f) => f.severity);
  assert.deepEqual(codes("aliyun.keepalive_range"), ["fail"]);
  assert.deepEqual(codes("aliyun.topic"), ["fail"]);
  assert.deepEqual(codes("aliyun.client_id_format"), ["fail"]);
  assert.deepEqual(codes("aliyun.one_connection_per_device"), ["fail"]);
  assert.match(only(bad, "aliyun.keepalive_range")[0]!.message, /30–1200 s/);
  // The profile never prints the password.
  assert.ok(!JSON.stringify(bad).includes("0123456789abcdef"));
  // Without the profile none of the aliyun rules run.
  const plain = await findings(login(0, 0, "plain-id", { keepalive: 10 }));
  assert.deepEqual(plain.filter((f) => f.code.startsWith("aliyun.")), []);
});

// streaming ---------------------------------------------------------------------------

test("the checker fed by streamCapture finds what checkBehaviour finds on the analysis in memory", async () => {
  const steps = [...dropLoop([0.5, 0.5, 0.5]), ...login(9, 20, "ka", { keepalive: 2 }), { at: 24, conn: 9, close: "server" as const }];
  const capture = mqttConversation(steps);
  const fromAnalysis = checkBehaviour(await analyzeCapture(capture));
  const checker = new BehaviourChecker();
  for await (const event of streamCapture(capture, { include: checker.events })) checker.event(event);
  assert.deepEqual(checker.finish(), fromAnalysis);
  assert.ok(fromAnalysis.some((f) => f.code === "mqtt.keepalive_timeout_close"));
  assert.ok(fromAnalysis.some((f) => f.code === "mqtt.reconnect_backoff"));
});

test("bounded memory: a closed connection leaves nothing behind, and a busy one keeps only its packet ids in flight", async () => {
  const steps: Step[] = [];
  for (let conn = 0; conn < 50; conn++) {
    steps.push(...login(conn, conn, `dev${conn}`));
    for (let i = 0; i < 40; i++) {
      steps.push({ at: conn + 0.01 + i * 0.001, conn, from: "client", packet: publish("t", "x", { qos: 1, messageId: i + 1 }) });
      steps.push({ at: conn + 0.0105 + i * 0.001, conn, from: "server", packet: puback(i + 1) });
    }
    steps.push({ at: conn + 0.5, conn, from: "client", packet: disconnect }, { at: conn + 0.51, conn, close: "client" });
  }
  const checker = new BehaviourChecker();
  let most = 0;
  for await (const event of streamCapture(mqttConversation(steps), { include: checker.events })) {
    checker.event(event);
    most = Math.max(most, checker.stateSize().connections, checker.stateSize().inFlight);
  }
  assert.ok(most <= 2, `at most one connection and one packet id at a time, saw ${most}`);
  assert.deepEqual(checker.stateSize(), { connections: 0, clients: 50, inFlight: 0 });
  assert.deepEqual(checker.finish().filter((f) => f.severity !== "info"), []);
});

test("mqtt.reconnect_backoff: one short gap before a fixed retry loop does not pass for a back-off; a capped back-off still grows", async () => {
  const loop = only(await findings(dropLoop([0.02, 0.25, 0.25, 0.25])), "mqtt.reconnect_backoff");
  assert.equal(loop[0]?.severity, "fail");
  const capped = only(await findings(dropLoop([1, 2.1, 3.9, 8.2, 8, 8.1])), "mqtt.reconnect_backoff");
  assert.equal(capped[0]?.severity, "info");
});
