/**
 * TLS as a consumer in the stream table: one TlsSession (tls/session.ts) per
 * connection, fed by both directions' reassembled bytes, its records listed
 * in the packet list as Wireshark labels them, its handshake made the
 * `tls-handshake` phase (ClientHello → server Finished), and the application
 * data it decrypts handed to what it carries, picked from the same table by
 * the first bytes (a CONNECT → MQTT, an HTTP Upgrade → WebSocket).
 */
import { ContentType, HandshakeType, RECORD_HEADER_LENGTH } from "../tls/constants";
import { TlsSession, type TlsHandshakeSummary, type TlsListener, type TlsProblemCode, type TlsRecordEvent } from "../tls/session";
import type { ConnectionSecrets } from "../tls/keylog";
import type { StreamConsumer, StreamContext } from "../tcp/stream-consumer";
import { directionConsumer, UpperLayer, type LayerHost, type LayerProtocol, type LayerTable } from "./stream-layer";
import type { TlsHandshakeInfo } from "./types";

/** A client's first bytes: a handshake record (RFC 8446 §5.1) holding a ClientHello (§4.1.2). */
export function looksLikeClientHello(bytes: Uint8Array, start: number, end: number): boolean {
  return end - start > RECORD_HEADER_LENGTH && bytes[start] === ContentType.handshake && bytes[start + 1] === 3 && bytes[start + 2] <= 4 && bytes[start + RECORD_HEADER_LENGTH] === HandshakeType.clientHello;
}

class TlsLayer implements TlsListener {
  private readonly session: TlsSession;
  private readonly upper: UpperLayer;
  private readonly ended = [false, false];
  private decrypting = false;

  constructor(
    private readonly host: LayerHost,
    context: StreamContext<LayerHost>,
    table: LayerTable,
    self: LayerProtocol,
    secretsFor: (clientRandom: Uint8Array) => ConnectionSecrets | undefined,
  ) {
    this.session = new TlsSession(this, { secretsFor });
    // What TLS carries: MQTT unless the first decrypted bytes say otherwise (port 8883 is MQTT's).
    this.upper = new UpperLayer(context, table, self, "MQTT");
    host.addLayer("TLS");
  }

  consumer(fromClient: boolean): StreamConsumer {
    return directionConsumer(this.session, this.host, this.upper, this.ended, fromClient);
  }

  /** Wireshark's Protocol column for this connection's records. */
  private get rowProtocol(): string {
    return this.session.handshakeSummary?.versionName ?? "TLSv1";
  }

  record(event: TlsRecordEvent): void {
    if (event.handshake) {
      this.host.layerHandshakeStep("tls-handshake", event.fromClient, this.rowProtocol, event.label, event.length);
      return;
    }
    this.host.unit(event.fromClient, this.rowProtocol, event.label, event.length);
  }

  plaintext(fromClient: boolean, bytes: Uint8Array, frame: number): void {
    if (!this.decrypting) {
      this.decrypting = true;
      this.host.carrying(true);
      this.host.carrying(false);
    }
    // The bytes go up: they are no longer this layer's overhead.
    this.host.unit(fromClient, "", "", -bytes.length);
    this.upper.data(fromClient, bytes, frame);
  }

  plaintextGap(fromClient: boolean, frame: number): void {
    this.upper.gap(fromClient, frame);
  }

  handshake(summary: TlsHandshakeSummary): void {
    const latency = summary.complete && summary.finishedTime !== undefined ? summary.finishedTime - summary.clientHelloTime : undefined;
    this.host.layerHandshakeDone("tls-handshake", summary.complete ? "complete" : "incomplete", latency, { tls: tlsInfo(summary) });
  }

  problem(code: TlsProblemCode, frame: number, message: string): void {
    this.host.problem(code, frame, message);
  }
}

/** The handshake as the phase and the connection summary report it. */
export function tlsInfo(summary: TlsHandshakeSummary): TlsHandshakeInfo {
  const info: TlsHandshakeInfo = { resumed: summary.resumed, earlyData: summary.earlyData, roundTrips: summary.roundTrips, decrypted: summary.keysFound };
  if (summary.versionName !== undefined) info.version = summary.versionName;
  if (summary.cipherSuiteName !== undefined) info.cipherSuite = summary.cipherSuiteName;
  if (summary.serverName !== undefined) info.serverName = summary.serverName;
  if (summary.alpn !== undefined) info.alpn = summary.alpn;
  return info;
}

/** TLS in the stream table: its ports, the ClientHello heuristic, and one session per connection. */
export function tlsProtocol(ports: readonly number[], secretsFor: (clientRandom: Uint8Array) => ConnectionSecrets | undefined): LayerProtocol {
  const protocol: LayerProtocol = {
    name: "TLS",
    ports,
    heuristic: looksLikeClientHello,
    create: (context, table) => {
      const host = context.host!;
      return host.shared("TLS", () => new TlsLayer(host, context, table, protocol, secretsFor)).consumer(context.fromClient);
    },
  };
  return protocol;
}
