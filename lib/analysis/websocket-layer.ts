/**
 * WebSocket as a consumer in the stream table: one WebSocketSession
 * (websocket/session.ts) per connection. The HTTP Upgrade is the
 * `ws-handshake` phase (GET → 101) and its rows are HTTP; until the 101 no
 * byte reaches the layer above. Frames are listed as Wireshark labels them
 * ("WebSocket Binary [FIN] [MASKED]"), and message data goes to MQTT (the
 * subprotocol "mqtt", MQTT 5 §6), or to what the table recognises in it.
 */
import { looksLikeUpgradeRequest } from "../websocket/http-upgrade";
import { WebSocketSession, type WebSocketFrameEvent, type WebSocketHandshake, type WebSocketListener, type WebSocketProblemCode } from "../websocket/session";
import type { StreamConsumer, StreamContext } from "../tcp/stream-consumer";
import { directionConsumer, UpperLayer, type LayerHost, type LayerProtocol, type LayerTable } from "./stream-layer";
import type { WebSocketHandshakeInfo } from "./types";

class WebSocketLayer implements WebSocketListener {
  private readonly session: WebSocketSession;
  private readonly upper: UpperLayer;
  private readonly ended = [false, false];

  constructor(
    private readonly host: LayerHost,
    context: StreamContext<LayerHost>,
    table: LayerTable,
    self: LayerProtocol,
  ) {
    this.session = new WebSocketSession(this);
    this.upper = new UpperLayer(context, table, self, "MQTT");
    host.addLayer("WebSocket");
  }

  consumer(fromClient: boolean): StreamConsumer {
    return directionConsumer(this.session, this.host, this.upper, this.ended, fromClient);
  }

  http(fromClient: boolean, _frame: number, _time: number, label: string, length: number): void {
    this.host.layerHandshakeStep("ws-handshake", fromClient, "HTTP", label, length);
  }

  handshake(handshake: WebSocketHandshake): void {
    const latency = handshake.responseTime !== undefined ? handshake.responseTime - handshake.requestTime : undefined;
    const status = handshake.accepted ? "complete" : handshake.status !== undefined ? "refused" : "incomplete";
    this.host.layerHandshakeDone("ws-handshake", status, latency, { websocket: webSocketInfo(handshake) });
    if (handshake.accepted) {
      this.host.carrying(true);
      this.host.carrying(false);
    }
  }

  frame(event: WebSocketFrameEvent): void {
    // The frame's header (and a control frame's payload) is WebSocket's; data went up as it arrived.
    const carried = event.opcode < 0x8 ? event.payloadLength : 0;
    this.host.unit(event.fromClient, "WebSocket", event.label, event.length - carried);
  }

  data(fromClient: boolean, bytes: Uint8Array, frame: number): void {
    this.upper.data(fromClient, bytes, frame);
  }

  dataGap(fromClient: boolean, frame: number): void {
    this.upper.gap(fromClient, frame);
  }

  problem(code: WebSocketProblemCode, frame: number, message: string): void {
    this.host.problem(code, frame, message);
  }
}

export function webSocketInfo(handshake: WebSocketHandshake): WebSocketHandshakeInfo {
  const info: WebSocketHandshakeInfo = { path: handshake.path, deflate: handshake.deflate };
  if (handshake.protocol !== undefined) info.protocol = handshake.protocol;
  if (handshake.status !== undefined) info.status = handshake.status;
  return info;
}

/** WebSocket in the stream table: recognised by its HTTP Upgrade on any port. */
export function webSocketProtocol(): LayerProtocol {
  const protocol: LayerProtocol = {
    name: "WebSocket",
    heuristic: looksLikeUpgradeRequest,
    create: (context, table) => {
      const host = context.host!;
      return host.shared("WebSocket", () => new WebSocketLayer(host, context, table, protocol)).consumer(context.fromClient);
    },
  };
  return protocol;
}
