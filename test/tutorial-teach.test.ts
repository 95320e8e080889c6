// The tutorial's words, unit by unit: lines that fit, the shortened password,
// the article's sections told from the bundled capture, and what to open next
// with and without Decode As.
import { test } from "node:test";
import assert from "node:assert/strict";
import { analyzeCapture } from "../lib/analysis/analyze";
import { matchDeviceLog } from "../lib/lab/device-log-match";
import { shortenPassword } from "../lib/device/credentials";
import { readDeviceLog } from "../lib/platform/device-log";
import { bundledTutorial } from "../lib/tutorial/bundled";
import { deviceLogMatchText, packetListText, phasesText } from "../lib/tutorial/render";
import { withDecodeAs } from "../lib/analysis/wireshark-filter";
import { articleNotes, articleNotesText, fitLine, loginFields, nextStepsText, wrapText } from "../lib/tutorial/teach";

test("fitLine and wrapText keep every line within the width; a long word gets its own line", () => {
  assert.equal(fitLine("abcdef", 4), "abc…");
  assert.equal(fitLine("abc", 4), "abc");
  assert.deepEqual(wrapText("one two three four", 9, "> ", "  "), ["> one two", "  three", "  four"]);
  const url = "file:///a/very/long/path/that/does/not/fit/report.html";
  assert.deepEqual(wrapText(`see ${url} now`, 20), ["see", url, "now"]);
});

test("shortenPassword: the first 8 characters and the length, never the rest", () => {
  const password = "42f8d0445e3a9b1c7d2e6f8091a2b3c4d5e6f708";
  assert.equal(shortenPassword(password), "42f8d044… (40 characters)");
  assert.ok(!shortenPassword(password).includes(password.slice(8, 16)));
});

test("the article's sections from the bundled capture; on another port than 1883 every MQTT filter says how to Decode As", async () => {
  const bundled = bundledTutorial()!;
  const analysis = await analyzeCapture(bundled.capture, { redactPasswords: true });
  const plain = await analyzeCapture(bundled.capture, { redactPasswords: false });
  const matches = matchDeviceLog(analysis, readDeviceLog(bundled.deviceLog).entries);
  const login = loginFields(plain.messages)!;
  assert.equal(login.password, shortenPassword(plain.messages.find((m) => m.type === "CONNECT")!.password!));
  const notes = articleNotes({ analysis, login, matches, mqttPort: 1883 });
  assert.deepEqual(
    notes.map((n) => n.section),
    ["3.1", "3.2", "3.3", "3.4", "3.5", "3.6"],
  );
  assert.ok(notes.every((n) => !n.filter!.includes("Decode As")), "on 1883 Wireshark needs no Decode As");
  const elsewhere = articleNotes({ analysis, login, matches, mqttPort: 40001 });
  for (const note of elsewhere) {
    if (note.filter!.startsWith("mqtt.")) assert.match(note.filter!, /\(Decode As first: -d tcp\.port==40001,mqtt\)$/);
    else assert.doesNotMatch(note.filter!, /Decode As/);
  }
  for (const line of [
    ...articleNotesText(notes),
    ...packetListText(analysis).split("\n"),
    ...phasesText(analysis).split("\n"),
    ...deviceLogMatchText(matches, analysis.capture.start).split("\n"),
  ]) {
    assert.ok([...line].length <= 100, line);
  }
  assert.ok(packetListText(analysis, { wide: true }).split("\n").some((l) => [...l].length > 100), "--wide does not cut");

  const next = nextStepsText({ report: "/home/me/run/report.html", notebooksDir: "/home/me/iot-wire-lab/notebooks", capture: "/home/me/run/capture.pcapng", mqttPort: 40001 });
  assert.ok(next.includes("  the HTML report:  file:///home/me/run/report.html"));
  assert.ok(next.some((l) => l.includes("wireshark -d tcp.port==40001,mqtt -r /home/me/run/capture.pcapng")));
  assert.ok(!next.some((l) => l.includes("06-tls")), "a plain run points at no layer notebook");
  const overTls = nextStepsText({ notebooksDir: "/home/me/iot-wire-lab/notebooks", capture: "/home/me/run/capture.pcapng", mqttPort: 8883, layer: "tls" });
  assert.ok(overTls.some((l) => l.includes("06-tls.ipynb")), overTls.join("\n"));
  assert.ok(overTls.some((l) => l.includes("wireshark -r /home/me/run/capture.pcapng")), "8883 needs no Decode As");
  assert.ok(!overTls.some((l) => l.includes(",mqtt -r")), "never MQTT Decode As on a TLS port");
  const tlsElsewhere = nextStepsText({ capture: "/home/me/run/capture.pcapng", mqttPort: 40002, layer: "tls", keylog: "/home/me/run/tls-keylog.txt" }, 200);
  assert.ok(tlsElsewhere.some((l) => l.includes("wireshark -o tls.keylog_file:/home/me/run/tls-keylog.txt -d tcp.port==40002,tls -d tls.port==40002,mqtt -r /home/me/run/capture.pcapng")), tlsElsewhere.join("\n"));
  const overWs = nextStepsText({ notebooksDir: "/home/me/iot-wire-lab/notebooks", capture: "/home/me/run/capture.pcapng", mqttPort: 8083, layer: "ws" });
  assert.ok(overWs.some((l) => l.includes("05-going-further.ipynb") && l.includes("WebSocket")), overWs.join("\n"));
  assert.ok(overWs.some((l) => l.includes("wireshark -d tcp.port==8083,http -r")), overWs.join("\n"));
  const on1883 = nextStepsText({ capture: "/home/me/run/capture.pcapng", mqttPort: 1883 });
  assert.deepEqual(on1883, ["What to open next:", "  Wireshark:        wireshark -r /home/me/run/capture.pcapng"]);
});

test("withDecodeAs: MQTT filters carry the Decode As option for ports other than 1883; TCP filters and port 1883 need none", () => {
  assert.equal(withDecodeAs("mqtt.msgtype == 3", [1883]), "mqtt.msgtype == 3");
  assert.equal(withDecodeAs("mqtt.msgtype == 3", []), "mqtt.msgtype == 3");
  assert.equal(withDecodeAs("tcp.flags.syn == 1", [40001]), "tcp.flags.syn == 1");
  assert.equal(withDecodeAs("tcp.stream == 0 && mqtt.msgtype == 1", [40001, 40001, 1883]), "tcp.stream == 0 && mqtt.msgtype == 1   (Decode As first: -d tcp.port==40001,mqtt)");
  assert.equal(withDecodeAs("mqtt", [40002]), "mqtt   (Decode As first: -d tcp.port==40002,mqtt)");
  assert.equal(withDecodeAs("mqtt.topic contains \"x\"", [40001, 40002]), "mqtt.topic contains \"x\"   (Decode As first: -d tcp.port==40001,mqtt -d tcp.port==40002,mqtt)");
});

test("articleNotes over TLS and WebSocket: filters Wireshark can apply to such a capture", async () => {
  const overWs = articleNotes({ analysis: await analyzeCapture(bundledTutorial("ws")!.capture), matches: [], mqttPort: 8083, layer: "ws" });
  const wsConnect = overWs.find((n) => n.section === "3.2")!;
  // Wireshark's MQTT dissector does not run over WebSocket: the steps are named by frame, never by mqtt.* or a Decode As to MQTT.
  assert.match(wsConnect.filter!, /frame\.number == \d+/);
  assert.ok(overWs.every((n) => !/mqtt/.test(n.filter ?? "")), overWs.map((n) => n.filter).join("\n"));
  const overTls = articleNotes({ analysis: await analyzeCapture(bundledTutorial("tls")!.capture), matches: [], mqttPort: 8883, layer: "tls" });
  assert.equal(overTls.find((n) => n.section === "3.2")!.filter, "mqtt.msgtype == 1 || mqtt.msgtype == 2", "8883: Wireshark decodes MQTT in TLS itself, given the keys");
  const tlsElsewhere = articleNotes({ analysis: await analyzeCapture(bundledTutorial("tls")!.capture), matches: [], mqttPort: 40003, layer: "tls" });
  assert.match(tlsElsewhere.find((n) => n.section === "3.2")!.filter!, /-d tcp\.port==40003,tls -d tls\.port==40003,mqtt/);
});
