/**
 * CONNECT hygiene: the choices a device makes when it connects that a broker
 * may accept but that cost it later (keep-alive off, a persistent session
 * with no clientId), and MQTT 5 properties with values the spec forbids.
 */
import type { MqttMessage } from "../analysis/types";
import { framesFilter, type Finding } from "./finding";

/** The clientId the spec promises every server accepts: 1–23 of [0-9a-zA-Z] [MQTT-3.1.3-5]. */
const PORTABLE_CLIENT_ID = /^[0-9a-zA-Z]{1,23}$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0001-\u001f\u007f-\u009f]/;

export function connectHygiene(m: MqttMessage): Finding[] {
  const clientId = m.clientId ?? "";
  const problems: { severity: Finding["severity"]; text: string }[] = [];
  const v5 = m.protocolVersion === 5;
  if (clientId === "" && m.cleanSession === false) {
    problems.push({ severity: "fail", text: v5 ? "an empty clientId with Clean Start 0: the server assigns a new id, so the session can never be resumed" : "an empty clientId with Clean Session 0: the server must refuse it [MQTT-3.1.3-7]" });
  }
  if (clientId.includes("\u0000")) problems.push({ severity: "fail", text: "the clientId contains U+0000, which a UTF-8 string must not [MQTT-1.5.3-2]" });
  else if (CONTROL_CHARACTERS.test(clientId)) problems.push({ severity: "warn", text: "the clientId contains control characters, which strings should not [MQTT-1.5.3-2]" });
  if (clientId !== "" && !PORTABLE_CLIENT_ID.test(clientId)) {
    problems.push({ severity: "info", text: `the clientId (${clientId.length} characters) is not 1–23 of [0-9a-zA-Z], the only form every server must accept; a server may refuse it [MQTT-3.1.3-5]` });
  }
  if (m.keepalive === 0) problems.push({ severity: "warn", text: "keep-alive 0 turns the keep-alive off: the broker never notices a dead device, and its Will is never sent (§3.1.2.10)" });
  const properties = m.properties ?? {};
  if (v5) {
    if (properties.receiveMaximum === 0) problems.push({ severity: "fail", text: "Receive Maximum 0 is a protocol error (§3.1.2.11.3)" });
    if (properties.maximumPacketSize === 0) problems.push({ severity: "fail", text: "Maximum Packet Size 0 is a protocol error (§3.1.2.11.4)" });
    const expiry = properties.sessionExpiryInterval;
    if (m.cleanSession === false && (expiry === undefined || expiry === 0)) {
      problems.push({ severity: "warn", text: "Clean Start 0 with no Session Expiry Interval: the session ends when the connection does (§3.1.2.11.2), so there is nothing to resume next time" });
    }
    for (const flag of ["requestResponseInformation", "requestProblemInformation"] as const) {
      const value = properties[flag];
      if (value !== undefined && value !== 0 && value !== 1 && value !== true && value !== false) problems.push({ severity: "fail", text: `${flag} must be 0 or 1 (§3.1.2.11)` });
    }
  }
  if (problems.length === 0) return [];
  // One finding per severity, so a fail is not hidden behind an info line.
  const findings: Finding[] = [];
  for (const severity of ["fail", "warn", "info"] as const) {
    const texts = problems.filter((p) => p.severity === severity).map((p) => p.text);
    if (texts.length === 0) continue;
    findings.push({
      code: "mqtt.connect_hygiene",
      severity,
      clientId: m.clientId ?? null,
      stream: m.stream,
      frames: [m.frame],
      message: `CONNECT (frame ${m.frame}): ${texts.join("; ")}.`,
      filter: framesFilter([m.frame], m.stream),
    });
  }
  return findings;
}
