/**
 * QoS 1 and 2 delivery: packet ids in flight per direction, kept with the
 * session (across reconnects unless the client asks for a clean session).
 *
 * - A PUBLISH sent again with an id still in flight is a resend: it must
 *   carry DUP = 1 [MQTT-3.3.1-1]. The time since the first send is the retry
 *   interval.
 * - A different message under an id still in flight reuses it [MQTT-2.3.1-2].
 * - A QoS 0 PUBLISH must have DUP = 0 [MQTT-3.3.1-2].
 */
import type { MqttMessage } from "../analysis/types";
import { formatDuration } from "../analysis/format";
import { PacketType } from "../mqtt/constants";
import type { Finding } from "./finding";
import type { InFlight } from "./state";

function publishFilter(stream: number, messageId: number): string {
  return `tcp.stream == ${stream} && mqtt.msgtype == ${PacketType.PUBLISH} && mqtt.msgid == ${messageId}`;
}

export function notePublish(inFlight: Map<number, InFlight>, m: MqttMessage, clientId: string | null): Finding | undefined {
  const qos = m.qos ?? 0;
  if (qos === 0) {
    if (!m.dup) return undefined;
    return {
      code: "mqtt.qos_resend",
      severity: "fail",
      clientId,
      stream: m.stream,
      frames: [m.frame],
      message: `A QoS 0 PUBLISH to ${JSON.stringify(m.topic ?? "")} (${m.direction}) has DUP set: DUP must be 0 for every QoS 0 message [MQTT-3.3.1-2].`,
      filter: `tcp.stream == ${m.stream} && mqtt.msgtype == ${PacketType.PUBLISH} && mqtt.qos == 0 && mqtt.dupflag == 1`,
    };
  }
  if (m.messageId === undefined) return undefined;
  const topic = m.topic ?? "";
  const payloadLength = m.payloadLength ?? 0;
  const previous = inFlight.get(m.messageId);
  inFlight.set(m.messageId, { frame: m.frame, stream: m.stream, time: m.time, topic, payloadLength, qos, released: false });
  if (!previous) return undefined;
  const interval = m.time - previous.time;
  const sameMessage = !previous.released && previous.topic === topic && previous.payloadLength === payloadLength && previous.qos === qos;
  const who = m.direction === "client->server" ? "client" : "server";
  // Both copies may travel in one TCP segment: one frame then.
  const frames = previous.frame === m.frame ? [m.frame] : [previous.frame, m.frame];
  const base = { code: "mqtt.qos_resend" as const, clientId, stream: m.stream, frames, data: { messageId: m.messageId, retryInterval: interval, topic } };
  const filter = previous.stream === m.stream ? publishFilter(m.stream, m.messageId) : `mqtt.msgtype == ${PacketType.PUBLISH} && mqtt.msgid == ${m.messageId} && (frame.number == ${previous.frame} || frame.number == ${m.frame})`;
  if (!sameMessage) {
    return {
      ...base,
      severity: "fail",
      message: `The ${who} sent a new PUBLISH (frame ${m.frame}) with packet id ${m.messageId} while the message of frame ${previous.frame} under that id was still ${previous.released ? "waiting for PUBCOMP" : "unacknowledged"}: an id must not be reused while in flight [MQTT-2.3.1-2].`,
      filter,
    };
  }
  if (!m.dup) {
    return {
      ...base,
      severity: "fail",
      message: `The ${who} sent a QoS ${qos} PUBLISH (packet id ${m.messageId}) again ${previous.frame === m.frame ? `in the same frame ${m.frame}` : `(frames ${previous.frame} → ${m.frame}, ${formatDuration(interval)} later)`} without the DUP flag: a re-delivery must set DUP = 1 [MQTT-3.3.1-1], or the receiver cannot tell it from a new message.`,
      filter,
    };
  }
  return {
    ...base,
    severity: "info",
    message: `The ${who} resent the QoS ${qos} PUBLISH with packet id ${m.messageId} (frames ${previous.frame} → ${m.frame}) with DUP set [MQTT-3.3.1-1], ${formatDuration(interval)} after the first send: the retry interval.`,
    filter,
  };
}

/** PUBACK / PUBREC / PUBCOMP from the receiver: the id is answered. */
export function noteAck(inFlight: Map<number, InFlight>, m: MqttMessage): void {
  if (m.messageId === undefined) return;
  if (m.type === "PUBREC") {
    const entry = inFlight.get(m.messageId);
    if (entry) entry.released = true;
    return;
  }
  inFlight.delete(m.messageId);
}
