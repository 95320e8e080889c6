/**
 * A behaviour finding: what a device (or its broker) did against a rule of
 * the MQTT specification or of the Alibaba Cloud IoT Platform, with the
 * evidence frames and a Wireshark display filter that shows them.
 *
 * Like expert info (../expert/issues.ts), codes are registered data: each
 * code has one label and the clause it rests on; the severity is decided per
 * finding (a keep-alive overrun is a warning below 1.5×, a failure above).
 */

export type FindingSeverity = "fail" | "warn" | "info";

export const BEHAVIOUR_RULES = {
  "mqtt.keepalive_exceeded": { label: "silence longer than the keep-alive", clause: "[MQTT-3.1.2-23] [MQTT-3.1.2-24]" },
  "mqtt.keepalive_timeout_close": { label: "closed by the server after 1.5× keep-alive of silence", clause: "[MQTT-3.1.2-24]" },
  "mqtt.reconnect_backoff": { label: "reconnects of one clientId", clause: "MQTT 5 §4.13 (reconnect with back-off)" },
  "mqtt.session_takeover": { label: "a second connection took the clientId over", clause: "[MQTT-3.1.4-2]" },
  "mqtt.qos_resend": { label: "QoS 1/2 PUBLISH sent again with the same packet id", clause: "[MQTT-3.3.1-1] [MQTT-2.3.1-2]" },
  "mqtt.will_published": { label: "the broker published a client's Will", clause: "[MQTT-3.1.2-8] [MQTT-3.1.2-10]" },
  "mqtt.retained": { label: "retained message set or cleared", clause: "[MQTT-3.3.1-5] [MQTT-3.3.1-10]" },
  "mqtt.connect_hygiene": { label: "CONNECT choices", clause: "MQTT 3.1.1 §3.1.2–3.1.3, MQTT 5 §3.1.2.11" },
  "aliyun.keepalive_range": { label: "keep-alive outside 30–1200 s", clause: "Alibaba Cloud IoT Platform: MQTT keepalive 30–1200 s" },
  "aliyun.client_id_format": { label: "clientId/username not in the platform's format", clause: "Alibaba Cloud IoT Platform: MQTT connection parameters" },
  "aliyun.topic": { label: "topic outside the device's own", clause: "Alibaba Cloud IoT Platform: topic authorization" },
  "aliyun.one_connection_per_device": { label: "two connections with one device certificate", clause: "Alibaba Cloud IoT Platform: one connection per device" },
  "aliyun.unencrypted_tcp": { label: "MQTT over plain TCP", clause: "Alibaba Cloud IoT Platform: TLS required for new devices (2022)" },
} as const;

export type FindingCode = keyof typeof BEHAVIOUR_RULES;

export interface Finding {
  code: FindingCode;
  severity: FindingSeverity;
  /** The client the finding is about (null when the capture holds no CONNECT for it). */
  clientId: string | null;
  /** tcp.stream of the first evidence frame. */
  stream: number;
  /** Every tcp.stream involved, when more than one (reconnects, takeovers). */
  streams?: number[];
  /** Evidence frames, in order. */
  frames: number[];
  /** The rule, its clause and what was seen, in one paragraph. */
  message: string;
  /** Wireshark display filter that shows the evidence. */
  filter: string;
  /** Numbers behind the message (seconds, counts), for tables and charts. */
  data?: FindingData;
}

/** The numbers a finding carries; which ones depends on its code. */
export interface FindingData {
  keepalive?: number;
  /** Longest client silence, seconds, and when it began (seconds since the capture's first frame). */
  silence?: number;
  silenceStart?: number;
  /** Reconnect gaps in seconds, in order, and the time each reconnect happened. */
  gaps?: number[];
  gapTimes?: number[];
  retryInterval?: number;
  messageId?: number;
  topic?: string;
  count?: number;
}

/** Display filter for evidence frames, within one stream when given. */
export function framesFilter(frames: readonly number[], stream?: number): string {
  const unique = [...new Set(frames)].sort((a, b) => a - b);
  const terms = unique.map((f) => `frame.number == ${f}`);
  const any = terms.length > 1 ? `(${terms.join(" || ")})` : terms[0] ?? "frame.number == 0";
  return stream === undefined ? any : `tcp.stream == ${stream} && ${any}`;
}

export const severityRank: Record<FindingSeverity, number> = { fail: 0, warn: 1, info: 2 };

/** Findings in capture order of their first evidence frame; fails before warnings at the same frame. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => (a.frames[0] ?? 0) - (b.frames[0] ?? 0) || severityRank[a.severity] - severityRank[b.severity] || a.code.localeCompare(b.code));
}

/** Seconds with 3 decimals at most, for messages. */
export { formatSeconds as seconds } from "../analysis/format";
