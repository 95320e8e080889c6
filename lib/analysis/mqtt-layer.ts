/**
 * MQTT as a consumer in the stream table, for bytes a layer carries up
 * (decrypted TLS, WebSocket message data): the same framer and decoder as a
 * plain stream, but never with packets decoded ahead on the reader thread,
 * which were decoded from the segment's own (encrypted or framed) bytes.
 *
 * Plain MQTT over TCP keeps its own inline path in connection.ts (the fast
 * path: no consumer object between reassembly and the framer).
 */
import { looksLikeConnect } from "../mqtt/connect-header";
import { MqttFramer, type PduSink } from "../mqtt/framer";
import type { StreamConsumer } from "../tcp/stream-consumer";
import type { LayerHost, LayerProtocol } from "./stream-layer";

class LayeredMqtt implements StreamConsumer, PduSink {
  private readonly framer: MqttFramer;
  private readonly direction: string;

  constructor(
    private readonly host: LayerHost,
    private readonly fromClient: boolean,
    maxPacketLength: number,
  ) {
    this.framer = new MqttFramer(this, { maxPacketLength });
    this.direction = fromClient ? "client->server" : "server->client";
    host.addLayer("MQTT");
  }

  data(bytes: Uint8Array, start: number, end: number, frame: number): void {
    this.framer.push(bytes, start, end, frame);
    // The packet still being assembled names the phase of the frames that carry its parts.
    this.host.mqttPartial(this.fromClient, this.framer.hasPartial ? this.framer.partialType : 0);
  }

  gap(_length: number, frame: number): void {
    if (this.framer.hasPartial) this.host.problem("mqtt.incomplete", frame, `Bytes of an MQTT packet in the ${this.direction} stream were lost below MQTT (a record that could not be decrypted, or a gap); decoding resumes at the next packet boundary`);
    this.framer.gap();
    this.host.mqttPartial(this.fromClient, 0);
  }

  end(): void {
    if (this.framer.hasPartial) this.host.problem("mqtt.incomplete", 0, `The ${this.direction} stream ends inside an MQTT packet (${this.framer.partialBytes} byte(s) of it carried)`);
  }

  // PduSink
  pdu(bytes: Uint8Array, start: number, end: number, headerLength: number, _lastFrame: number, frames: number[] | undefined, tentative: boolean): boolean {
    return this.host.layeredPdu(this.fromClient, bytes, start, end, headerLength, frames, tentative);
  }

  skipped(byteCount: number, frame: number, reason: "resync" | "too-large" | "malformed-length"): void {
    if (reason === "too-large") this.host.problem("mqtt.too_large", frame, `An MQTT packet of ${byteCount} bytes in the ${this.direction} stream is larger than the decoding limit; it was skipped`);
    else if (reason === "malformed-length") this.host.problem("mqtt.malformed", frame, `Invalid MQTT Remaining Length (more than 4 bytes, MQTT §1.5.5) in the ${this.direction} stream; ${byteCount} byte(s) skipped until the next packet boundary`);
  }

  resynchronised(byteCount: number, frame: number): void {
    this.host.problem("mqtt.resync", frame, `MQTT decoding of the ${this.direction} stream resumed at a packet boundary after skipping ${byteCount} byte(s)`);
  }
}

/** MQTT in the stream table: its ports, the CONNECT heuristic (when heuristics are on), and the layered consumer. */
export function mqttProtocol(ports: readonly number[], heuristics: boolean, maxPacketLength: number): LayerProtocol {
  return {
    name: "MQTT",
    ports,
    heuristic: heuristics ? looksLikeConnect : undefined,
    create: (context) => new LayeredMqtt(context.host!, context.fromClient, maxPacketLength),
  };
}
