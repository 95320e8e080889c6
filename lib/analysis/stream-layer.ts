/**
 * What a layer between TCP and MQTT (TLS, WebSocket) reports to its
 * connection, and how the layers find the consumer of what they carry.
 *
 * Each layer is a pure session (tls/session.ts, websocket/session.ts) wrapped
 * by a small adapter here in analysis/ (tls-layer.ts, websocket-layer.ts) that
 * turns its events into what the connection needs: packet-list labels, the
 * bytes each unit (record, frame) adds on top of what it carries, the steps
 * of its handshake phase, and expert info. The adapters are created through
 * the stream table (tcp/stream-consumer.ts), so they stack in any order the
 * bytes ask for: TCP → TLS → WebSocket → MQTT.
 */
import type { IssueCode } from "../expert/issues";
import type { StreamConsumer, StreamContext, StreamProtocol as TableProtocol, StreamProtocolTable } from "../tcp/stream-consumer";
import type { PhaseKind, PhaseStatus, StreamProtocol, TlsHandshakeInfo, WebSocketHandshakeInfo } from "./types";

/** The connection, as the layers above TCP see it (implemented by TcpConnection). */
export interface LayerHost {
  readonly stream: number;
  /** Seconds since the capture's first frame, of the frame being decoded. */
  readonly relativeTime: number;
  /** Per-connection state the two directions' consumers share (one TLS session for both), made on first use. */
  shared<T>(key: StreamProtocol, make: () => T): T;
  /** A layer runs on this connection (in order, outermost first). */
  addLayer(layer: StreamProtocol): void;
  /**
   * A unit of a layer (a TLS record, a WebSocket frame) ended in the current
   * frame: `label` for the packet list under `protocol` ("TLSv1.3",
   * "WebSocket"), and `overhead`, its bytes that the layer above does not get
   * (headers, tags, padding; negative to take back bytes counted before).
   */
  unit(fromClient: boolean, protocol: string, label: string, overhead: number): void;
  /** One step of a layer's handshake, with its bytes on the wire (`rowProtocol` for the packet list: "TLSv1.3", "HTTP"). */
  layerHandshakeStep(kind: LayerHandshakeKind, fromClient: boolean, rowProtocol: string, label: string, bytes: number): void;
  /** The handshake ended (settled with `status`); `latency` in seconds when both ends were seen. */
  layerHandshakeDone(kind: LayerHandshakeKind, status: PhaseStatus, latency: number | undefined, details: HandshakeDetails): void;
  /** From now on this direction's bytes are carried up (decrypted, unframed): frames holding part of a unit wait for the message they carry. */
  carrying(fromClient: boolean): void;
  /** The MQTT packet type (first byte >> 4) this direction is in the middle of, 0 when between packets. */
  mqttPartial(fromClient: boolean, packetType: number): void;
  problem(code: IssueCode, frame: number, message: string): void;
  /** MQTT over a layer: one framed packet (never decoded ahead: those bytes are not the segment's). */
  layeredPdu(fromClient: boolean, bytes: Uint8Array, start: number, end: number, headerLength: number, frames: number[] | undefined, tentative: boolean): boolean;
}

export type LayerHandshakeKind = Extract<PhaseKind, "tls-handshake" | "ws-handshake">;
export type HandshakeDetails = { tls: TlsHandshakeInfo } | { websocket: WebSocketHandshakeInfo };

export type LayerTable = StreamProtocolTable<StreamProtocol, LayerHost>;
export type LayerProtocol = TableProtocol<StreamProtocol, LayerHost>;

/**
 * The consumer of what a layer carries, chosen once from the first bytes the
 * client sends up (a CONNECT → MQTT, an HTTP Upgrade → WebSocket), else the
 * `fallback` protocol; then the same protocol serves both directions.
 */
export class UpperLayer {
  private protocol: LayerProtocol | undefined;
  private readonly consumers: [StreamConsumer | undefined, StreamConsumer | undefined] = [undefined, undefined];

  constructor(
    private readonly context: StreamContext<LayerHost>,
    private readonly table: LayerTable,
    private readonly self: LayerProtocol | undefined,
    private readonly fallback: StreamProtocol,
  ) {}

  /** The consumer for one direction, choosing the protocol from `bytes` when not chosen yet. */
  consumer(fromClient: boolean, bytes: Uint8Array): StreamConsumer | undefined {
    const index = fromClient ? 0 : 1;
    const existing = this.consumers[index];
    if (existing) return existing;
    if (!this.protocol) {
      this.protocol = (fromClient ? this.table.byHeuristic(bytes, 0, bytes.length, this.self) : undefined) ?? this.table.byName(this.fallback);
    }
    const made = this.protocol?.create?.({ ...this.context, fromClient }, this.table);
    this.consumers[index] = made;
    return made;
  }

  data(fromClient: boolean, bytes: Uint8Array, frame: number): void {
    this.consumer(fromClient, bytes)?.data(bytes, 0, bytes.length, frame);
  }

  gap(fromClient: boolean, frame: number): void {
    this.consumers[fromClient ? 0 : 1]?.gap(0, frame);
  }

  end(fromClient: boolean): void {
    this.consumers[fromClient ? 0 : 1]?.end();
  }
}

/** A layer's session over both directions of a connection (TlsSession, WebSocketSession). */
export interface TwoWaySession {
  data(fromClient: boolean, bytes: Uint8Array, start: number, end: number, frame: number, time: number): void;
  gap(fromClient: boolean, frame: number): void;
  end(): void;
}

/**
 * One direction of a two-way session as a StreamConsumer: bytes timed by the
 * host's current frame; its end ends what it carries, and the session's end
 * comes when both directions have ended.
 */
export function directionConsumer(session: TwoWaySession, host: LayerHost, upper: UpperLayer, ended: boolean[], fromClient: boolean): StreamConsumer {
  return {
    data: (bytes, start, end, frame) => session.data(fromClient, bytes, start, end, frame, host.relativeTime),
    gap: (_length, frame) => session.gap(fromClient, frame),
    end: () => {
      ended[fromClient ? 0 : 1] = true;
      upper.end(fromClient);
      if (ended[0] && ended[1]) session.end();
    },
  };
}
