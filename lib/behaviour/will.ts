/**
 * The Will: registered by CONNECT, published by the server when the
 * connection ends without a DISCONNECT [MQTT-3.1.2-8], and deleted on a
 * normal DISCONNECT [MQTT-3.1.2-10] (MQTT 5: DISCONNECT 0x04 asks for it to
 * be published anyway). Seen in a capture as a PUBLISH from the server to a
 * subscriber, on the Will topic with the Will's payload length.
 */
import type { MqttMessage } from "../analysis/types";
import { framesFilter, type Finding } from "./finding";
import type { StreamState } from "./state";

/** MQTT 5 DISCONNECT reason 0x04: Disconnect with Will Message. */
const REASON_DISCONNECT_WITH_WILL = 0x04;
/** Registrations kept for matching (the oldest are forgotten first). */
const MAX_WILLS = 10000;

interface WillRegistration {
  clientId: string | null;
  stream: number;
  connectFrame: number;
  payloadLength: number;
  /** The owner's state while its connection is open; what is needed of it after. */
  owner: StreamState;
}

export class WillTracker {
  private readonly byTopic = new Map<string, WillRegistration[]>();
  private count = 0;

  register(state: StreamState): void {
    if (!state.will || state.connectFrame === undefined) return;
    const list = this.byTopic.get(state.will.topic) ?? [];
    list.push({ clientId: state.clientId ?? null, stream: state.stream, connectFrame: state.connectFrame, payloadLength: state.will.payloadLength, owner: state });
    this.byTopic.set(state.will.topic, list);
    if (++this.count > MAX_WILLS) this.forgetOldest();
  }

  private forgetOldest(): void {
    const first = this.byTopic.keys().next();
    if (first.done) return;
    const list = this.byTopic.get(first.value)!;
    list.shift();
    this.count--;
    if (list.length === 0) this.byTopic.delete(first.value);
  }

  /** A PUBLISH from the server: the Will of a client that is gone, when topic and payload length match. */
  notePublish(m: MqttMessage): Finding | undefined {
    if (m.direction !== "server->client" || m.topic === undefined) return undefined;
    const list = this.byTopic.get(m.topic);
    if (!list) return undefined;
    let index = list.length - 1;
    while (index >= 0 && !(list[index]!.stream !== m.stream && list[index]!.payloadLength === (m.payloadLength ?? 0) && list[index]!.connectFrame < m.frame)) index--;
    if (index < 0) return undefined;
    const will = list[index]!;
    list.splice(index, 1);
    this.count--;
    if (list.length === 0) this.byTopic.delete(m.topic);
    const disconnect = will.owner.clientDisconnect;
    const deletedByDisconnect = disconnect !== undefined && disconnect.frame < m.frame && disconnect.reasonCode !== REASON_DISCONNECT_WITH_WILL;
    const frames = [will.connectFrame, ...(disconnect && disconnect.frame < m.frame ? [disconnect.frame] : []), m.frame];
    return {
      code: "mqtt.will_published",
      severity: deletedByDisconnect ? "fail" : "info",
      clientId: will.clientId,
      stream: will.stream,
      streams: [will.stream, m.stream],
      frames,
      message: deletedByDisconnect
        ? `The server published the Will of ${JSON.stringify(will.clientId)} (registered by the CONNECT of frame ${will.connectFrame}) at frame ${m.frame}, after the client's normal DISCONNECT (frame ${disconnect!.frame}): a DISCONNECT must delete the Will [MQTT-3.1.2-10].`
        : `The server published the Will of ${JSON.stringify(will.clientId)} to ${JSON.stringify(m.topic)} at frame ${m.frame} (stream ${m.stream}): the client's connection (stream ${will.stream}, CONNECT frame ${will.connectFrame}) ended without a DISCONNECT [MQTT-3.1.2-8].`,
      filter: framesFilter(frames),
      data: { topic: m.topic },
    };
  }
}
