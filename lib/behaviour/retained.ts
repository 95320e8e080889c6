/**
 * Retained messages: a PUBLISH with RETAIN = 1 replaces the topic's retained
 * message [MQTT-3.3.1-5]; one with an empty payload clears it
 * [MQTT-3.3.1-10]. What is retained when the capture ends is what a new
 * subscriber gets first.
 */
import type { MqttMessage } from "../analysis/types";
import type { Finding } from "./finding";

/** Topics followed (a fleet may retain one per device); the rest are counted. */
const MAX_TOPICS = 1000;

interface RetainedTopic {
  clientId: string | null;
  stream: number;
  /** The first and the latest PUBLISH with RETAIN on the topic. */
  firstFrame: number;
  lastFrame: number;
  sets: number;
  clears: number;
  lastPayloadLength: number;
  /** Frames where the server delivered a retained message to a subscriber. */
  delivered: number[];
}

export class RetainedTracker {
  private readonly topics = new Map<string, RetainedTopic>();
  private untracked = 0;

  notePublish(m: MqttMessage, clientId: string | null): void {
    if (!m.retain || m.topic === undefined) return;
    let entry = this.topics.get(m.topic);
    if (!entry) {
      if (this.topics.size >= MAX_TOPICS) {
        this.untracked++;
        return;
      }
      entry = { clientId, stream: m.stream, firstFrame: m.frame, lastFrame: m.frame, sets: 0, clears: 0, lastPayloadLength: 0, delivered: [] };
      this.topics.set(m.topic, entry);
    }
    if (m.direction === "server->client") {
      if (entry.delivered.length < 10) entry.delivered.push(m.frame);
      return;
    }
    const length = m.payloadLength ?? 0;
    if (length === 0) entry.clears++;
    else entry.sets++;
    entry.lastFrame = m.frame;
    entry.lastPayloadLength = length;
    entry.clientId = clientId;
    entry.stream = m.stream;
  }

  findings(): Finding[] {
    const findings: Finding[] = [];
    for (const [topic, t] of this.topics) {
      const frames = [...new Set([t.firstFrame, t.lastFrame, ...t.delivered])].sort((a, b) => a - b);
      const state = t.sets + t.clears === 0 ? "" : t.lastPayloadLength === 0 ? " It was cleared last (empty payload [MQTT-3.3.1-10]): a new subscriber gets nothing." : ` A new subscriber gets the last one (${t.lastPayloadLength} bytes, frame ${t.lastFrame}) at once [MQTT-3.3.1-5].`;
      const seen = [t.sets > 0 ? `set ${t.sets} time(s)` : "", t.clears > 0 ? `cleared ${t.clears} time(s)` : "", t.delivered.length > 0 ? `delivered as retained to a subscriber at frame ${t.delivered.join(", ")}` : ""].filter(Boolean).join(", ");
      findings.push({
        code: "mqtt.retained",
        severity: "info",
        clientId: t.clientId,
        stream: t.stream,
        frames,
        message: `Retained message on ${JSON.stringify(topic)}: ${seen}.${state}`,
        filter: `mqtt.retain == 1 && mqtt.topic == ${JSON.stringify(topic)}`,
        data: { topic, count: t.sets + t.clears },
      });
    }
    if (this.untracked > 0 && findings.length > 0) findings[findings.length - 1]!.message += ` (${this.untracked} more retained PUBLISH on other topics were not followed.)`;
    return findings;
  }
}
