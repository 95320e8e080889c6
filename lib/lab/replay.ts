/**
 * The simulator's events rebuilt from a capture of its run, for bundled mode:
 * a notebook shows the same lines a live run prints, from a recording, so its
 * outputs do not change from one execution to the next.
 *
 * Each event is placed at the frame that caused it on the device's side:
 *
 *   connected         the accepting CONNACK
 *   subscribed        the SUBACK (one event per topic filter)
 *   published         the device's PUBLISH
 *   acked             the PUBACK (QoS 1) or PUBCOMP (QoS 2); latency = that frame − the PUBLISH
 *   message-received  a PUBLISH from the platform
 *   closed            the last frame of the connection
 *
 * `elapsedMs` counts from the connection's first frame (a live run counts
 * from just before it opens the socket, a few milliseconds earlier).
 */
import type { Analysis, MqttMessage } from "../analysis/types";
import type { DeviceIdentity } from "../device/identity";
import { parseUsername } from "../device/credentials";
import type { SimulatorEvent } from "../simulator/events";

export interface ReplayOptions {
  /** The connection to replay (default: the first one with an MQTT CONNECT). */
  stream?: number;
}

function identityOf(connect: MqttMessage | undefined): DeviceIdentity {
  if (connect?.username) {
    try {
      return parseUsername(connect.username);
    } catch {
      // not the platform's username format
    }
  }
  return { productKey: "?", deviceName: connect?.clientId ?? "?" };
}

/** The simulator events of one connection in a capture, in time order. */
export function replayEvents(analysis: Analysis, options: ReplayOptions = {}): SimulatorEvent[] {
  const stream = options.stream ?? analysis.messages.find((m) => m.type === "CONNECT")?.stream ?? analysis.connections[0]?.stream;
  if (stream === undefined) return [];
  const connection = analysis.connections.find((c) => c.stream === stream);
  const messages = analysis.messages.filter((m) => m.stream === stream);
  const connect = messages.find((m) => m.type === "CONNECT");
  const device = identityOf(connect);
  const origin = connection?.start ?? messages[0]?.time ?? 0;
  const at = (seconds: number) => ({ time: Math.round(seconds * 1000), elapsedMs: Math.round((seconds - origin) * 1e6) / 1000, device: { ...device } });
  const protocolVersion: 4 | 5 = connect?.protocolVersion === 5 ? 5 : 4;

  const events: SimulatorEvent[] = [];
  const subscriptions = new Map<number, string[]>();
  const publishedAt = new Map<number, number>();
  for (const m of messages) {
    const fromDevice = m.direction === "client->server";
    switch (m.type) {
      case "CONNACK": {
        const code = m.reasonCode ?? m.returnCode ?? 0;
        if (code === 0) {
          events.push({ type: "connected", ...at(m.time), clientId: connect?.clientId ?? "", sessionPresent: m.sessionPresent ?? false, returnCode: 0, protocolVersion });
        } else {
          events.push({ type: "error", ...at(m.time), message: `login refused: CONNACK code ${code}`, code });
        }
        break;
      }
      case "SUBSCRIBE":
        if (m.messageId !== undefined) subscriptions.set(m.messageId, (m.subscriptions ?? []).map((s) => s.topic));
        break;
      case "SUBACK": {
        const topics = m.messageId !== undefined ? (subscriptions.get(m.messageId) ?? []) : [];
        (m.granted ?? []).forEach((granted, i) => events.push({ type: "subscribed", ...at(m.time), topic: topics[i] ?? "?", granted }));
        break;
      }
      case "PUBLISH": {
        const qos = m.qos ?? 0;
        const payload = m.payloadText ?? `<${m.payloadLength ?? 0} bytes>`;
        if (fromDevice) {
          if (qos > 0 && m.messageId !== undefined) publishedAt.set(m.messageId, m.time);
          events.push({ type: "published", ...at(m.time), topic: m.topic ?? "", qos, payload, ...(qos > 0 && m.messageId !== undefined ? { messageId: m.messageId } : {}) });
        } else {
          events.push({ type: "message-received", ...at(m.time), topic: m.topic ?? "", qos, payload, ...(m.messageId !== undefined ? { messageId: m.messageId } : {}) });
        }
        break;
      }
      case "PUBACK":
      case "PUBCOMP": {
        if (fromDevice || m.messageId === undefined) break;
        const sent = publishedAt.get(m.messageId);
        if (sent === undefined) break;
        publishedAt.delete(m.messageId);
        events.push({ type: "acked", ...at(m.time), messageId: m.messageId, latencyMs: Math.round((m.time - sent) * 1e6) / 1000 });
        break;
      }
      default:
        break;
    }
  }
  const sentDisconnect = messages.some((m) => m.type === "DISCONNECT" && m.direction === "client->server");
  const end = connection?.end ?? messages[messages.length - 1]?.time;
  if (end !== undefined && (connection?.state !== "open" || sentDisconnect)) {
    events.push({
      type: "closed",
      ...at(end),
      clean: sentDisconnect,
      reason: sentDisconnect ? "client disconnected (DISCONNECT sent)" : connection?.state === "reset" ? "connection reset" : "the server closed the connection",
    });
  }
  return events;
}

/** The replayed events as an async iterable, to be read with `for await` exactly like a live Simulation. */
export async function* replaySimulation(analysis: Analysis, options: ReplayOptions = {}): AsyncGenerator<SimulatorEvent, void, undefined> {
  for (const event of replayEvents(analysis, options)) yield event;
}
