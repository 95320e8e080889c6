/**
 * One device connection between the TCP socket and the broker (aedes), as a
 * Duplex that aedes reads packets from and writes packets to.
 *
 * It does two jobs:
 *
 * 1. It taps the wire: every MQTT packet in each direction is parsed (with
 *    mqtt-packet) and handed to the observer exactly as the device sent or
 *    receives it, so the device log knows message ids, SUBACK codes and
 *    DISCONNECTs without reaching into aedes. Packets from the device pass
 *    through as bytes; packets to it are parsed and generated again.
 *
 * 2. It lets aedes 1.2.0, which speaks only MQTT 3.1 and 3.1.1 (its CONNECT
 *    handler answers any protocol level above 4 with return code 1, and it
 *    writes every packet in the 3.1.1 format), serve MQTT 5 devices. The first
 *    packet decides: for a 3.1/3.1.1 CONNECT the bytes pass through unchanged;
 *    for an MQTT 5 CONNECT every packet is translated, v5 → 3.1.1 towards
 *    aedes and 3.1.1 → v5 towards the device. Refusals become proper v5
 *    reason codes (CONNACK 0x85/0x86/0x87, SUBACK 0x87), and the platform can
 *    send a v5 DISCONNECT with a reason code before it closes a connection.
 *    MQTT 5 features the platform does not offer (topic aliases, AUTH,
 *    subscription identifiers, shared subscriptions) are declared unavailable
 *    in the CONNACK and refused with a DISCONNECT if used anyway.
 *
 * Before either, each packet from the device is measured from its fixed
 * header (packet-size.ts): one over maxPacketSize closes the connection before
 * its body is read, so nothing is buffered for it.
 */
import { Duplex } from "node:stream";
import * as mqttPacket from "mqtt-packet";
import { loginReasonForReturnCode, type LoginReturnCode } from "../device/login-codes";
import { reasonCodeNames } from "../mqtt/constants";
import { PacketSizeWatch } from "./packet-size";

export type WirePacket = mqttPacket.Packet;

/** MQTT 5 §2.4: the reason codes the platform puts in DISCONNECT and SUBACK. */
export const V5_REASON = {
  normal: 0x00,
  unspecifiedError: 0x80,
  malformedPacket: 0x81,
  protocolError: 0x82,
  notAuthorized: 0x87,
  serverShuttingDown: 0x8b,
  badAuthenticationMethod: 0x8c,
  keepAliveTimeout: 0x8d,
  sessionTakenOver: 0x8e,
  topicAliasInvalid: 0x94,
  packetTooLarge: 0x95,
  qosNotSupported: 0x9b,
} as const;

/** Labels of those codes (the library's one table, mqtt/constants; 0x00 as DISCONNECT says it). */
export const v5ReasonLabels: Record<number, string> = Object.fromEntries(
  Object.values(V5_REASON).map((code) => [code, code === V5_REASON.normal ? "Normal disconnection" : reasonCodeNames[code]]),
);

export interface WireObserver {
  /** A packet from the device, as it was on the wire. */
  inbound?(packet: WirePacket, connection: WireConnection): void;
  /** A packet to the device, as it goes on the wire. */
  outbound?(packet: WirePacket, connection: WireConnection): void;
  /** A packet from the device declared `size` bytes, over the limit: the connection is being closed. */
  oversized?(size: number, limit: number, connection: WireConnection): void;
}

export interface WireConnectionOptions {
  observer?: WireObserver;
  /**
   * Highest QoS a SUBACK may grant. aedes 1.2.0 copies the requested QoS into
   * its SUBACK even when authorizeSubscribe lowered it (it delivers at the
   * lowered QoS), so the SUBACK is corrected here on its way out.
   */
  maxGrantedQos?: 0 | 1 | 2;
  /** CONNACK properties sent to a successful MQTT 5 device. */
  connackProperties?: NonNullable<mqttPacket.IConnackPacket["properties"]>;
  /** How long a closing socket may wait for the device's FIN before it is destroyed. */
  closeGraceMs?: number;
  /**
   * The largest packet a device may send, fixed header included. A packet
   * that declares more is refused from its fixed header, before its body is
   * read or kept: the connection is closed (MQTT 5: DISCONNECT 0x95 first, once
   * logged in).
   */
  maxPacketSize?: number;
  /** The device's address when the stream has none of its own (a WebSocket's is its HTTP request's socket's). */
  peer?: { address?: string; port?: number };
}

type Mode = "sniff" | "pass" | "translate";

/**
 * The byte stream a device connection rides on: a TCP socket, a TLS socket,
 * or a WebSocket's message stream (ws's createWebSocketStream), which knows
 * no peer address of its own (the platform passes the HTTP request's).
 */
export type DeviceStream = Duplex & { readonly remoteAddress?: string; readonly remotePort?: number };

export class WireConnection extends Duplex {
  readonly socket: DeviceStream;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Known once the CONNECT has arrived. */
  protocolVersion: 3 | 4 | 5 | undefined;
  /** Milliseconds of the last packet from the device. */
  lastActivity = Date.now();
  /** For an MQTT 5 device: the reason code to send instead of the usual mapping in a refusing CONNACK. */
  connackReasonOverride: number | undefined;
  private mode: Mode = "sniff";
  private pending: Buffer[] = [];
  private readonly inParser = mqttPacket.parser();
  private readonly outParser = mqttPacket.parser();
  private inParserOk = true;
  private readonly observer: WireObserver;
  private readonly connackProperties: WireConnectionOptions["connackProperties"];
  private readonly maxGrantedQos: 0 | 1 | 2 | undefined;
  private readonly closeGraceMs: number;
  private readonly unsubscribeCounts = new Map<number, number>();
  private writeOk = true;
  private readonly sizeWatch: PacketSizeWatch | undefined;

  constructor(socket: DeviceStream, options: WireConnectionOptions = {}) {
    super({ allowHalfOpen: false });
    this.socket = socket;
    this.remoteAddress = normalizeAddress(options.peer?.address ?? socket.remoteAddress);
    this.remotePort = options.peer?.port ?? socket.remotePort ?? 0;
    this.observer = options.observer ?? {};
    this.connackProperties = options.connackProperties;
    this.maxGrantedQos = options.maxGrantedQos;
    this.closeGraceMs = options.closeGraceMs ?? 2000;
    if (options.maxPacketSize !== undefined) this.sizeWatch = new PacketSizeWatch(options.maxPacketSize);

    this.inParser.on("packet", (packet: WirePacket) => this.onInboundPacket(packet));
    this.inParser.on("error", (error: Error) => this.onInboundParseError(error));
    this.outParser.on("packet", (packet: WirePacket) => this.onOutboundPacket(packet));
    // aedes generates every packet with mqtt-packet, so this would be a bug: close rather than send garbage.
    this.outParser.on("error", (error: Error) => this.destroy(error));

    socket.on("data", (chunk: Buffer) => this.onSocketData(chunk));
    socket.on("end", () => this.push(null));
    socket.on("error", (error) => this.destroy(error));
    socket.on("close", () => {
      if (!this.destroyed) this.destroy();
    });
  }

  /** Is this connection translating MQTT 5? */
  get translating(): boolean {
    return this.mode === "translate";
  }

  // ---- device → broker ----

  private onSocketData(chunk: Buffer): void {
    if (this.destroyed) return;
    const oversized = this.sizeWatch?.feed(chunk);
    if (oversized !== undefined) {
      this.pending = [];
      this.observer.oversized?.(oversized, this.sizeWatch!.limit, this);
      this.closeWithReason(V5_REASON.packetTooLarge, new Error(`packet too large: ${oversized} bytes (limit ${this.sizeWatch!.limit})`));
      return;
    }
    const before = this.mode;
    if (before === "sniff") this.pending.push(chunk);
    if (this.inParserOk) this.inParser.parse(chunk);
    else if (before === "sniff") this.mode = "pass";
    if (before === "pass") this.forward(chunk);
    else if (before === "sniff" && this.mode === "pass") this.flushPending();
  }

  private flushPending(): void {
    const data = Buffer.concat(this.pending);
    this.pending = [];
    if (data.length > 0) this.forward(data);
  }

  private forward(data: Buffer): void {
    if (this.destroyed) return;
    if (!this.push(data)) this.socket.pause();
  }

  override _read(): void {
    this.socket.resume();
  }

  private onInboundPacket(packet: WirePacket): void {
    this.lastActivity = Date.now();
    if (this.mode === "sniff") {
      if (packet.cmd === "connect" && packet.protocolVersion === 5) {
        this.mode = "translate";
        this.protocolVersion = 5;
        this.pending = [];
      } else {
        // 3.1/3.1.1, or not a CONNECT at all (aedes refuses that itself [MQTT-3.1.0-1]).
        if (packet.cmd === "connect") this.protocolVersion = (packet.protocolVersion ?? 4) as 3 | 4;
        this.mode = "pass";
      }
    }
    this.observer.inbound?.(packet, this);
    if (this.mode === "translate") this.translateInbound(packet);
  }

  private onInboundParseError(error: Error): void {
    this.inParserOk = false;
    // A malformed MQTT 5 packet cannot be translated: close as [MQTT-4.13.1-1] asks.
    if (this.mode === "translate") this.closeWithReason(V5_REASON.malformedPacket, error);
    // Otherwise aedes parses the same bytes and refuses them itself.
    else if (this.mode === "sniff") this.mode = "pass";
  }

  private translateInbound(packet: WirePacket): void {
    let v4: WirePacket | undefined;
    switch (packet.cmd) {
      case "connect":
        v4 = {
          cmd: "connect",
          protocolId: "MQTT",
          protocolVersion: 4,
          clean: packet.clean ?? true,
          keepalive: packet.keepalive ?? 0,
          clientId: packet.clientId,
        };
        if (packet.username !== undefined) v4.username = packet.username;
        if (packet.password !== undefined) v4.password = packet.password;
        if (packet.will) v4.will = { topic: packet.will.topic, payload: packet.will.payload, qos: packet.will.qos ?? 0, retain: packet.will.retain ?? false };
        break;
      case "publish":
        if (packet.properties?.topicAlias !== undefined) {
          // The CONNACK declared Topic Alias Maximum 0 [MQTT-3.3.2-8].
          this.closeWithReason(V5_REASON.topicAliasInvalid, new Error("topic aliases are not supported"));
          return;
        }
        v4 = { cmd: "publish", topic: packet.topic, payload: packet.payload, qos: packet.qos, retain: packet.retain, dup: packet.dup };
        if (packet.messageId !== undefined) v4.messageId = packet.messageId;
        break;
      case "puback":
      case "pubrec":
      case "pubrel":
      case "pubcomp":
        v4 = { cmd: packet.cmd, messageId: packet.messageId } as WirePacket;
        break;
      case "subscribe":
        v4 = { cmd: "subscribe", messageId: packet.messageId, subscriptions: packet.subscriptions.map((s) => ({ topic: s.topic, qos: s.qos })) };
        break;
      case "unsubscribe":
        if (packet.messageId !== undefined) this.unsubscribeCounts.set(packet.messageId, packet.unsubscriptions.length);
        v4 = { cmd: "unsubscribe", messageId: packet.messageId, unsubscriptions: packet.unsubscriptions };
        break;
      case "pingreq":
        v4 = { cmd: "pingreq" };
        break;
      case "disconnect":
        v4 = { cmd: "disconnect" };
        break;
      case "auth":
        this.closeWithReason(V5_REASON.badAuthenticationMethod, new Error("enhanced authentication (AUTH) is not supported"));
        return;
      default:
        this.closeWithReason(V5_REASON.protocolError, new Error(`a device may not send ${packet.cmd}`));
        return;
    }
    this.forward(mqttPacket.generate(v4, { protocolVersion: 4 }));
  }

  // ---- broker → device ----

  /**
   * aedes writes 3.1.1 packets (with mqtt-packet). Each is parsed, corrected
   * (SUBACK QoS) or translated (MQTT 5), shown to the observer and generated
   * again; for a 3.1.1 device the bytes come out as aedes wrote them.
   */
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.socket.destroyed) {
      callback();
      return;
    }
    this.writeOk = true;
    this.outParser.parse(chunk); // onOutboundPacket writes each packet
    if (this.writeOk) callback();
    else this.socket.once("drain", () => callback());
  }

  private onOutboundPacket(packet: WirePacket): void {
    if (packet.cmd === "suback" && this.maxGrantedQos !== undefined) {
      const cap = this.maxGrantedQos;
      packet = { ...packet, granted: (packet.granted as number[]).map((g) => (g < 0x80 ? Math.min(g, cap) : g)) };
    }
    const out = this.mode === "translate" ? this.translateOutbound(packet) : packet;
    this.observer.outbound?.(out, this);
    if (!this.socket.destroyed) this.writeOk = this.socket.write(mqttPacket.generate(out, { protocolVersion: this.mode === "translate" ? 5 : 4 })) && this.writeOk;
  }

  private translateOutbound(packet: WirePacket): WirePacket {
    switch (packet.cmd) {
      case "connack": {
        const returnCode = (packet.returnCode ?? 0) as LoginReturnCode;
        if (returnCode === 0) {
          const ok: mqttPacket.IConnackPacket = { cmd: "connack", sessionPresent: packet.sessionPresent, reasonCode: 0 };
          if (this.connackProperties) ok.properties = this.connackProperties;
          return ok;
        }
        const reasonCode = this.connackReasonOverride ?? loginReasonForReturnCode[returnCode] ?? V5_REASON.unspecifiedError;
        return { cmd: "connack", sessionPresent: false, reasonCode };
      }
      case "suback":
        // 3.1.1's single failure code 0x80 becomes v5's more precise 0x87 Not authorized.
        return { cmd: "suback", messageId: packet.messageId, granted: packet.granted.map((g) => (g === 0x80 ? V5_REASON.notAuthorized : g)) as number[] };
      case "unsuback": {
        const messageId = packet.messageId ?? 0;
        const count = this.unsubscribeCounts.get(messageId) ?? 1;
        this.unsubscribeCounts.delete(messageId);
        return { cmd: "unsuback", messageId, granted: new Array<number>(count).fill(0) };
      }
      case "puback":
      case "pubrec":
      case "pubrel":
      case "pubcomp":
        return { cmd: packet.cmd, messageId: packet.messageId, reasonCode: 0 } as WirePacket;
      default:
        return packet;
    }
  }

  /**
   * MQTT 5 only: sends DISCONNECT with a reason code (§3.14) ahead of closing.
   * Returns false for a 3.1.1 device, which has no server DISCONNECT.
   */
  sendDisconnect(reasonCode: number): boolean {
    if (this.protocolVersion !== 5 || this.socket.destroyed || !this.socket.writable) return false;
    const packet: WirePacket = { cmd: "disconnect", reasonCode };
    this.observer.outbound?.(packet, this);
    this.socket.write(mqttPacket.generate(packet, { protocolVersion: 5 }));
    return true;
  }

  private closeWithReason(reasonCode: number, error: Error): void {
    this.sendDisconnect(reasonCode);
    this.destroy(error);
  }

  /**
   * Closing ends the socket gracefully, so that a CONNACK or DISCONNECT just
   * written still reaches the device, then destroys it after a grace period.
   */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const socket = this.socket;
    if (!socket.destroyed) {
      socket.end();
      setTimeout(() => socket.destroy(), this.closeGraceMs).unref();
    }
    callback(error);
  }
}

/** `::ffff:127.0.0.1` → `127.0.0.1` */
export function normalizeAddress(address: string | undefined): string {
  if (!address) return "unknown";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
