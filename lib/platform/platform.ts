/**
 * An embedded IoT platform that behaves, on the wire, like the Alibaba Cloud
 * IoT Platform's MQTT gateway for directly connected devices. It is an aedes
 * 1.2.0 broker with the platform's rules hooked in:
 *
 * - Login (aedes `preConnect` keeps the CONNECT, `authenticate` decides): the
 *   clientId format, the keep-alive range, the username, the device, the
 *   signed password and its age (signatureMaxAgeMs), refused with the
 *   platform's CONNACK codes (2, 4, 5; 0x85, 0x86, 0x87 for MQTT 5 devices);
 *   an unknown device is answered like a wrong password. A second login of
 *   the same device closes the first ("kicked by new login").
 * - Sessions: aedes keys sessions, the offline queue and one connection per
 *   clientId on `client.id`, which is set to the logged-in device plus its
 *   clientId (sessionClientId), so no device reaches another's session.
 * - Size: no packet from a device may exceed maxPacketSize (WireConnection
 *   refuses it from its fixed header, before login too).
 * - Authorization: a device may use only its own topics (see isDeviceTopic),
 *   and receives only its own topics (authorizeForward).
 *   A forbidden SUBSCRIBE gets the failure code 0x80 in its SUBACK (MQTT 3.1.1
 *   §3.9.3; 0x87 Not authorized for MQTT 5). A forbidden PUBLISH closes the
 *   connection: MQTT 3.1.1 gives a server no way to refuse a PUBLISH, only to
 *   acknowledge it or close the connection [MQTT-3.3.5-2], and the platform
 *   closes (an MQTT 5 device first gets DISCONNECT 0x87).
 * - QoS: the platform supports QoS 0 and 1 only. A QoS 2 PUBLISH closes the
 *   connection (MQTT 5: DISCONNECT 0x9B QoS not supported, and the CONNACK
 *   says Maximum QoS 1); a QoS 2 subscription is granted QoS 1. `maxQos: 2`
 *   lifts this.
 * - Device log and status notices: see device-log.ts and status-notice.ts.
 * - Thing model: a property post with an `id` is answered on its `_reply` topic.
 *
 * MQTT 5 devices are served through WireConnection's translation, because
 * aedes 1.2.0 speaks only MQTT 3.1/3.1.1.
 */
import { EventEmitter } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { labCertificate } from "./certificate";
import { createTransportServer, DEFAULT_TRANSPORT_PORT, TRANSPORT_SCHEME, WEBSOCKET_PATH, type PlatformTransport, type TlsPair } from "./listeners";
import * as mqttPacket from "mqtt-packet";
import type { IConnectPacket, IPublishPacket } from "mqtt-packet";
import { DEFAULT_SIGNATURE_MAX_AGE_MS, type DeviceSource } from "../device/explain";
import type { DeviceIdentity } from "../device/identity";
import { isDeviceTopic } from "../device/topics";
import { topicMatches } from "../device/topic-syntax";
import { DeviceRegistry } from "../device/registry";
import { DeviceLog, payloadPreview, type DeviceLogEntry, type DeviceLogEvent, type DeviceLogInput } from "./device-log";
import { decideLogin, PLATFORM_KEEPALIVE, type KeepaliveRange, type LoginDecision } from "./login";
import { statusNotice, statusTopic } from "./status-notice";
import { propertyPostReply, propertyPostReplyTopic } from "./thing-model";
import { DEFAULT_MAX_PACKET_SIZE } from "./packet-size";
import { V5_REASON, WireConnection, type DeviceStream, type WirePacket } from "./wire-connection";

// aedes 1.x is an ES module. Node 20.19+ loads it with require() (the package's
// engines field asks for that), which keeps this module CommonJS and loadable
// from tslab's vm, where dynamic import() is unavailable.
type AedesModule = typeof import("aedes", { with: { "resolution-mode": "import" } });
type AedesBroker = import("aedes", { with: { "resolution-mode": "import" } }).Aedes;
type AedesClient = import("aedes", { with: { "resolution-mode": "import" } }).Client;

/** The platform cannot start, or an API call it cannot carry out. */
export class PlatformError extends Error {
  override name = "PlatformError";
}

export interface PlatformOptions {
  /** Where devices are looked up at each login (a DeviceRegistry is re-read when its file changes). */
  registry: DeviceRegistry | DeviceSource;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /**
   * Also listen for MQTT over TLS (the cloud's `securemode=2` port), with the
   * lab certificate (certificate.ts) unless `tlsCertificate` is given. With
   * `websocket` too, WebSocket inside TLS (wss) is served as well.
   */
  tls?: boolean;
  /** Port of the TLS listener: default 8883, 0 picks a free port. */
  tlsPort?: number;
  /** The TLS key and certificate (default: the lab certificate, made at first use). */
  tlsCertificate?: TlsPair;
  /** Folder of the lab certificate (default `<lab home>/tls`). */
  certificateFolder?: string;
  /** Also serve MQTT over WebSocket at ws://host:wsPort/mqtt. */
  websocket?: boolean;
  /** Port of the WebSocket listener: default 8083, 0 picks a free port. */
  wsPort?: number;
  /** Port of the WebSocket-inside-TLS listener (tls and websocket both on): default 8084, 0 picks a free port. */
  wssPort?: number;
  /** Accepted keep-alive range in seconds; default 30..1200 as on the platform. */
  keepalive?: KeepaliveRange;
  /** JSON-lines file the device log is appended to. */
  deviceLog?: string;
  /** Highest QoS the platform accepts; 1 as on the platform, 2 to allow QoS 2. */
  maxQos?: 1 | 2;
  /**
   * The largest MQTT packet a device may send, in bytes with its fixed header
   * (default 256 KiB, the platform's documented message limit). A bigger one is
   * refused from its fixed header and the connection closed; MQTT 5 devices
   * read the limit in the CONNACK (Maximum Packet Size).
   */
  maxPacketSize?: number;
  /**
   * How old a login's signature may be, in milliseconds: the clientId's
   * timestamp against the platform's clock, either way (default 15 minutes).
   * A login without a timestamp, or outside the window, is refused with
   * CONNACK 4 (MQTT 5: 0x86), so a recorded login cannot be replayed later.
   * false turns the check off (devices whose clock is fixed, as when the
   * bundled captures are re-recorded).
   */
  signatureMaxAgeMs?: number | false;
  /** Answer thing-model property posts (default true). */
  replyToPropertyPost?: boolean;
  clock?: () => number;
}

export interface OnlineDevice extends DeviceIdentity {
  clientId: string;
  clientIp: string;
  clientPort: number;
  protocolVersion: number;
  keepalive: number;
  since: string;
}

export interface PublishToDeviceOptions {
  qos?: 0 | 1 | 2;
  retain?: boolean;
}

export interface PublishToDeviceResult {
  /** The device was online and subscribed to a filter matching the topic. */
  delivered: boolean;
  /** Why not, when not delivered. */
  reason?: string;
}

/** A message seen by an in-process (server-side) subscriber. */
export interface PlatformMessage {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
}

/** One port the platform listens on. */
export interface PlatformEndpoint {
  transport: PlatformTransport;
  port: number;
  /** `mqtt://…`, `mqtts://…`, `ws://…/mqtt` or `wss://…/mqtt` */
  url: string;
}

export interface Platform {
  readonly host: string;
  readonly port: number;
  /** `mqtt://host:port` */
  readonly url: string;
  /** Every port it listens on, plain TCP first. */
  readonly endpoints: readonly PlatformEndpoint[];
  /** `mqtts://host:tlsPort` when TLS is on. */
  readonly tlsUrl?: string;
  /** `ws://host:wsPort/mqtt` when WebSocket is on. */
  readonly wsUrl?: string;
  /** `wss://host:wssPort/mqtt` when TLS and WebSocket are both on. */
  readonly wssUrl?: string;
  /** The PEM certificate devices trust (their `ca`) when TLS is on; never the key. */
  readonly certificate?: string;
  readonly deviceLog: DeviceLog;
  /** Devices logged in now. */
  online(): OnlineDevice[];
  /** Sends a message to a device on one of its own topics (like the cloud's Pub API). */
  publishToDevice(device: DeviceIdentity, topic: string, payload: string | Uint8Array | object, options?: PublishToDeviceOptions): Promise<PublishToDeviceResult>;
  /** A server-side subscription (like the platform's AMQP subscription): sees status notices and device messages. Resolves to an unsubscribe function. */
  subscribe(filter: string, handler: (message: PlatformMessage) => void): Promise<() => Promise<void>>;
  /** Closes every connection and frees the port. */
  stop(): Promise<void>;
  /** True once stop() has been called. */
  readonly stopped: boolean;
  on(event: "log" | DeviceLogEvent, listener: (entry: DeviceLogEntry) => void): this;
  on(event: "error", listener: (error: Error) => void): this;
  once(event: "log" | DeviceLogEvent, listener: (entry: DeviceLogEntry) => void): this;
  once(event: "error", listener: (error: Error) => void): this;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  off(event: string, listener: (...args: any[]) => void): this;
}

interface Session {
  conn: WireConnection;
  client?: AedesClient;
  connect?: IConnectPacket;
  decision?: LoginDecision;
  device?: DeviceIdentity;
  clientId: string;
  online: boolean;
  onlineAt: number;
  closeReason?: string;
  subscribes: Map<number, { topic: string; qos: number }[]>;
  unsubscribes: Map<number, string[]>;
  /** Filters granted to the device (for publishToDevice's delivered flag). */
  granted: Set<string>;
}

function deviceKey(device: DeviceIdentity): string {
  return `${device.productKey}/${device.deviceName}`;
}

/**
 * The clientId aedes sees: the device's own `productKey&deviceName`, then the
 * clientId as sent. A deviceName holds no `|` and a productKey no `&`, so two
 * devices never share one.
 */
export function sessionClientId(device: DeviceIdentity, clientId: string): string {
  return `${device.productKey}&${device.deviceName}|${clientId}`;
}

function payloadBuffer(payload: string | Uint8Array | object): Buffer {
  if (typeof payload === "string") return Buffer.from(payload, "utf8");
  if (payload instanceof Uint8Array) return Buffer.from(payload);
  return Buffer.from(JSON.stringify(payload), "utf8");
}

/** A one-line reason for a connection that ended with an error. */
function errorReason(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ECONNRESET") return "connection reset";
  if (code === "EPIPE") return "connection broken (EPIPE)";
  if (/keep ?alive/i.test(error.message)) return "keepalive timeout";
  return error.message;
}

class IotPlatform extends EventEmitter implements Platform {
  host: string;
  port = 0;
  url = "";
  readonly deviceLog: DeviceLog;
  private readonly options: PlatformOptions;
  private readonly keepalive: KeepaliveRange;
  private readonly maxQos: 1 | 2;
  private readonly maxPacketSize: number;
  private readonly clock: () => number;
  private broker!: AedesBroker;
  private server!: Server;
  private readonly extraServers: Server[] = [];
  endpoints: PlatformEndpoint[] = [];
  tlsUrl: string | undefined;
  wsUrl: string | undefined;
  wssUrl: string | undefined;
  certificate: string | undefined;
  private readonly sockets = new Set<Socket>();
  /** Every connection's session; entries go with their connection (aedes reports a disconnect after the socket closed). */
  private readonly sessionByConn = new WeakMap<WireConnection, Session>();
  /** Connections open now. */
  private readonly sessions = new Set<Session>();
  private readonly byDevice = new Map<string, Session>();
  private stopping: Promise<void> | undefined;

  constructor(options: PlatformOptions) {
    super();
    this.options = options;
    this.host = options.host ?? "127.0.0.1";
    this.keepalive = options.keepalive ?? PLATFORM_KEEPALIVE;
    this.maxQos = options.maxQos ?? 1;
    const maxAge = options.signatureMaxAgeMs;
    if (maxAge !== undefined && maxAge !== false && !(Number.isFinite(maxAge) && maxAge > 0)) throw new PlatformError(`signatureMaxAgeMs must be a positive number of milliseconds or false; got ${maxAge}`);
    this.maxPacketSize = options.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE;
    if (!Number.isInteger(this.maxPacketSize) || this.maxPacketSize < 64) throw new PlatformError(`maxPacketSize must be a whole number of bytes, at least 64; got ${this.maxPacketSize}`);
    this.clock = options.clock ?? Date.now;
    this.deviceLog = new DeviceLog({ file: options.deviceLog, clock: this.clock });
    this.deviceLog.on("entry", (entry) => {
      this.emit("log", entry);
      this.emit(entry.event, entry);
    });
  }

  async start(): Promise<void> {
    const { Aedes } = require("aedes") as AedesModule;
    this.broker = await Aedes.createBroker({
      // The platform's clientIds are longer than MQTT 3.1's 23 characters.
      maxClientsIdLength: 256,
      preConnect: (client, packet, callback) => this.preConnect(client, packet, callback),
      authenticate: (client, username, password, done) => this.authenticate(client, username, password, done),
      authorizePublish: (client, packet, callback) => this.authorizePublish(client, packet, callback),
      authorizeSubscribe: (client, sub, callback) => this.authorizeSubscribe(client, sub, callback),
      authorizeForward: (client, packet) => this.authorizeForward(client, packet),
    });
    this.broker.on("clientDisconnect", (client) => this.onClientDisconnect(client));
    this.broker.on("keepaliveTimeout", (client) => {
      const session = this.sessionOf(client);
      if (session) {
        session.closeReason ??= "keepalive timeout";
        session.conn.sendDisconnect(V5_REASON.keepAliveTimeout);
      }
    });
    this.broker.on("clientError", (client, error) => {
      const session = this.sessionOf(client);
      if (session) session.closeReason ??= errorReason(error);
    });
    this.broker.on("connectionError", (client, error) => {
      const session = this.sessionOf(client);
      if (session) session.closeReason ??= errorReason(error);
    });

    try {
      this.server = createServer((socket) => this.accept(socket, {}, "tcp"));
      this.port = await this.listen(this.server, this.options.port ?? 0);
      this.endpoints.push({ transport: "tcp", port: this.port, url: this.urlOf("tcp", this.port) });
      const extra: PlatformTransport[] = [];
      if (this.options.tls) extra.push("tls");
      if (this.options.websocket) extra.push("ws");
      if (this.options.tls && this.options.websocket) extra.push("wss");
      let pair: TlsPair | undefined;
      if (this.options.tls) {
        pair = this.options.tlsCertificate ?? (await labCertificate(this.options.certificateFolder ? { folder: this.options.certificateFolder } : {}));
        this.certificate = pair.cert;
      }
      for (const transport of extra) {
        const server = createTransportServer({
          transport: transport as Exclude<PlatformTransport, "tcp">,
          tls: pair,
          maxMessageBytes: this.maxPacketSize,
          accept: (stream, peer, kind) => this.accept(stream, peer, kind),
          track: (socket) => this.track(socket),
        }) as unknown as Server;
        this.extraServers.push(server);
        const wanted = transport === "tls" ? this.options.tlsPort : transport === "ws" ? this.options.wsPort : this.options.wssPort;
        const port = await this.listen(server, wanted ?? DEFAULT_TRANSPORT_PORT[transport]);
        const url = this.urlOf(transport, port);
        this.endpoints.push({ transport, port, url });
        if (transport === "tls") this.tlsUrl = url;
        else if (transport === "ws") this.wsUrl = url;
        else this.wssUrl = url;
      }
    } catch (error) {
      for (const server of [this.server, ...this.extraServers]) if (server?.listening) server.close();
      await new Promise<void>((resolve) => this.broker.close(() => resolve()));
      this.deviceLog.close();
      throw error;
    }
    this.url = this.endpoints[0]!.url;
    for (const server of [this.server, ...this.extraServers]) server.on("error", (error) => this.reportError(error));
  }

  private listen(server: Server, port: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        const why = error.code === "EADDRINUSE" ? "address already in use" : error.code === "EACCES" ? "permission denied" : error.message;
        reject(new PlatformError(`cannot listen on ${this.host}:${port}: ${why}`));
      };
      server.once("error", onError);
      server.listen(port, this.host, () => {
        server.off("error", onError);
        const address = server.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });
  }

  private urlOf(transport: PlatformTransport, port: number): string {
    const host = this.host.includes(":") ? `[${this.host}]` : this.host;
    const path = transport === "ws" || transport === "wss" ? WEBSOCKET_PATH : "";
    return `${TRANSPORT_SCHEME[transport]}://${host}:${port}${path}`;
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
  }

  private reportError(error: Error): void {
    if (this.listenerCount("error") > 0) this.emit("error", error);
  }

  // ---- connections ----

  private accept(socket: DeviceStream, peer: { address?: string; port?: number }, transport: PlatformTransport): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    if (transport === "tcp") this.track(socket as Socket);
    if ("setNoDelay" in socket && typeof socket.setNoDelay === "function") (socket as Socket).setNoDelay(true);
    const conn: WireConnection = new WireConnection(socket, {
      peer,
      observer: {
        inbound: (packet) => this.onInbound(conn, packet),
        outbound: (packet) => this.onOutbound(conn, packet),
        oversized: (size, limit) => this.onOversized(conn, size, limit),
      },
      maxPacketSize: this.maxPacketSize,
      connackProperties: {
        ...(this.maxQos < 2 ? { maximumQoS: 1 } : {}),
        maximumPacketSize: this.maxPacketSize,
        subscriptionIdentifiersAvailable: false,
        sharedSubscriptionAvailable: false,
      },
      maxGrantedQos: this.maxQos,
    });
    const session: Session = {
      conn,
      clientId: "",
      online: false,
      onlineAt: 0,
      subscribes: new Map(),
      unsubscribes: new Map(),
      granted: new Set(),
    };
    this.sessionByConn.set(conn, session);
    this.sessions.add(session);
    conn.once("close", () => this.sessions.delete(session));
    session.client = this.broker.handle(conn);
  }

  private sessionOf(client: AedesClient | null | undefined): Session | undefined {
    if (!client) return undefined;
    return this.sessionByConn.get(client.conn as WireConnection);
  }

  private where(session: Session): Pick<DeviceLogInput, "productKey" | "deviceName" | "clientId" | "clientIp" | "clientPort" | "protocolVersion"> {
    const out: Pick<DeviceLogInput, "productKey" | "deviceName" | "clientId" | "clientIp" | "clientPort" | "protocolVersion"> = {
      clientIp: session.conn.remoteAddress,
      clientPort: session.conn.remotePort,
    };
    if (session.device) {
      out.productKey = session.device.productKey;
      out.deviceName = session.device.deviceName;
    }
    if (session.clientId) out.clientId = session.clientId;
    if (session.conn.protocolVersion !== undefined) out.protocolVersion = session.conn.protocolVersion;
    return out;
  }

  // ---- login ----

  private preConnect(client: AedesClient, packet: IConnectPacket, callback: (error: Error | null, success: boolean) => void): void {
    const session = this.sessionOf(client);
    if (session) session.connect = packet;
    callback(null, true);
  }

  private authenticate(
    client: AedesClient,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: (Error & { returnCode: number }) | null, success: boolean | null) => void,
  ): void {
    const session = this.sessionOf(client);
    if (!session?.connect) {
      done(Object.assign(new Error("no CONNECT seen"), { returnCode: 3 }), false);
      return;
    }
    const registry = this.options.registry;
    if (registry instanceof DeviceRegistry) {
      try {
        registry.refresh();
      } catch (error) {
        this.reportError(error as Error);
      }
    }
    const decision = decideLogin({ clientId: session.connect.clientId, username, password, keepalive: session.connect.keepalive }, registry, this.keepalive, {
      signatureMaxAgeMs: this.options.signatureMaxAgeMs ?? DEFAULT_SIGNATURE_MAX_AGE_MS,
      now: this.clock(),
    });
    session.decision = decision;
    session.clientId = decision.clientId;
    if (decision.device) session.device = decision.device;
    if (!decision.accepted) {
      if (session.conn.protocolVersion === 5) session.conn.connackReasonOverride = decision.reasonCode;
      this.deviceLog.record({
        event: "login-refused",
        ...this.where(session),
        status: "refused",
        returnCode: decision.returnCode,
        ...(session.conn.protocolVersion === 5 ? { reasonCode: decision.reasonCode } : {}),
        reason: decision.reason,
        keepalive: session.connect.keepalive,
      });
      done(Object.assign(new Error(decision.reason), { returnCode: decision.returnCode }), false);
      return;
    }
    // aedes keys the session, the offline queue and its one-connection-per-clientId
    // rule on client.id: scope it to the device that proved who it is, so that a
    // device sending another device's clientId reaches neither.
    client.id = sessionClientId(decision.device!, session.connect.clientId);
    const key = deviceKey(decision.device!);
    const previous = this.byDevice.get(key);
    this.byDevice.set(key, session);
    if (previous && previous !== session && previous.client && !previous.client.closed) {
      // One connection per device certificate: the new login wins.
      previous.closeReason ??= "kicked by new login";
      previous.conn.sendDisconnect(V5_REASON.sessionTakenOver);
      previous.client.close(() => done(null, true));
      return;
    }
    done(null, true);
  }

  /**
   * Online from the accepting CONNACK on: aedes may handle the device's next
   * packets before it emits `clientReady`, and the log must show the login first.
   */
  private markOnline(session: Session): void {
    if (!session.device || session.online) return;
    session.online = true;
    session.onlineAt = this.clock();
    const entry = this.deviceLog.record({
      event: "online",
      ...this.where(session),
      status: "ok",
      returnCode: 0,
      keepalive: session.connect?.keepalive,
      reason: "login accepted",
    });
    this.publishStatus("online", session, entry.timeMs, session.conn.lastActivity);
  }

  private onClientDisconnect(client: AedesClient): void {
    const session = this.sessionOf(client);
    if (!session?.device || !session.online) return;
    session.online = false;
    const key = deviceKey(session.device);
    if (this.byDevice.get(key) === session) this.byDevice.delete(key);
    const entry = this.deviceLog.record({
      event: "offline",
      ...this.where(session),
      status: "ok",
      reason: session.closeReason ?? "connection closed without DISCONNECT",
    });
    this.publishStatus("offline", session, entry.timeMs, session.conn.lastActivity);
  }

  private publishStatus(status: "online" | "offline", session: Session, timeMs: number, lastMs: number): void {
    if (!session.device) return;
    const notice = statusNotice(status, session.device, timeMs, lastMs, session.conn.remoteAddress);
    try {
      this.broker.publish({ cmd: "publish", topic: statusTopic(session.device), payload: Buffer.from(JSON.stringify(notice)), qos: 0, retain: false, dup: false }, () => undefined);
    } catch {
      // the broker is closing: the notice has no one left to reach
    }
  }

  // ---- authorization ----

  private authorizePublish(client: AedesClient | null, packet: IPublishPacket, callback: (error?: Error | null) => void): void {
    const session = this.sessionOf(client);
    if (!session?.device) {
      callback(null); // the broker's own messages (wills are not published by devices here)
      return;
    }
    const base = {
      event: "upstream" as const,
      ...this.where(session),
      topic: packet.topic,
      qos: packet.qos,
      payloadSize: packet.payload?.length ?? 0,
      payloadPreview: payloadPreview(packet.payload),
      ...(packet.messageId !== undefined ? { messageId: packet.messageId } : {}),
    };
    if (!isDeviceTopic(session.device, packet.topic, { filter: false })) {
      const reason = `publish to a topic that is not the device's own: ${packet.topic}`;
      session.closeReason ??= `forbidden topic ${packet.topic}`;
      this.deviceLog.record({ ...base, status: "forbidden", reason: `${reason}; connection closed` });
      session.conn.sendDisconnect(V5_REASON.notAuthorized);
      callback(new Error(reason));
      return;
    }
    if (packet.qos > this.maxQos) {
      session.closeReason ??= `QoS ${packet.qos} is not supported`;
      this.deviceLog.record({ ...base, status: "failed", reason: `QoS ${packet.qos} is not supported; connection closed` });
      session.conn.sendDisconnect(V5_REASON.qosNotSupported);
      callback(new Error(`QoS ${packet.qos} is not supported`));
      return;
    }
    this.deviceLog.record({ ...base, status: "ok" });
    callback(null);
    if (this.options.replyToPropertyPost !== false) this.maybeReplyToPropertyPost(packet);
  }

  private maybeReplyToPropertyPost(packet: IPublishPacket): void {
    const replyTopic = propertyPostReplyTopic(packet.topic);
    if (!replyTopic) return;
    const reply = propertyPostReply(typeof packet.payload === "string" ? packet.payload : Buffer.from(packet.payload));
    if (!reply) return;
    setImmediate(() => {
      if (this.broker.closed) return;
      this.broker.publish({ cmd: "publish", topic: replyTopic, payload: Buffer.from(JSON.stringify(reply)), qos: 0, retain: false, dup: false }, () => undefined);
    });
  }

  private authorizeSubscribe(
    client: AedesClient,
    sub: { topic: string; qos: 0 | 1 | 2 },
    callback: (error: Error | null, subscription?: { topic: string; qos: 0 | 1 | 2 } | null) => void,
  ): void {
    const session = this.sessionOf(client);
    if (!session?.device || !isDeviceTopic(session.device, sub.topic)) {
      callback(null, null); // SUBACK failure 0x80 [MQTT-3.9.3]
      return;
    }
    session.granted.add(sub.topic);
    callback(null, { ...sub, qos: Math.min(sub.qos, this.maxQos) as 0 | 1 | 2 });
  }

  /**
   * The last gate before a message goes to a device, restored sessions
   * included: only the device's own topics (a second line behind the
   * per-device session ids and authorizeSubscribe).
   */
  private authorizeForward<P extends IPublishPacket>(client: AedesClient, packet: P): P | null {
    const session = this.sessionOf(client);
    if (session?.device && isDeviceTopic(session.device, packet.topic, { filter: false })) return packet;
    this.deviceLog.record({
      event: "downstream",
      ...(session ? this.where(session) : { clientIp: "-", clientPort: 0 }),
      topic: packet.topic,
      qos: packet.qos,
      payloadSize: packet.payload?.length ?? 0,
      status: "forbidden",
      reason: "not the device's own topic; not delivered",
    });
    return null;
  }

  // ---- the wire tap ----

  private onInbound(conn: WireConnection, packet: WirePacket): void {
    const session = this.sessionByConn.get(conn);
    if (!session) return;
    switch (packet.cmd) {
      case "subscribe":
        if (packet.messageId !== undefined) session.subscribes.set(packet.messageId, packet.subscriptions.map((s) => ({ topic: s.topic, qos: s.qos })));
        break;
      case "unsubscribe":
        if (packet.messageId !== undefined) session.unsubscribes.set(packet.messageId, [...packet.unsubscriptions]);
        break;
      case "disconnect": {
        const code = packet.reasonCode;
        session.closeReason ??= code ? `client disconnected (reason code 0x${code.toString(16).padStart(2, "0")})` : "client disconnected";
        break;
      }
      default:
        break;
    }
  }

  private onOversized(conn: WireConnection, size: number, limit: number): void {
    const session = this.sessionByConn.get(conn);
    if (!session) return;
    const why = `packet too large: it declares ${size} bytes, over the limit of ${limit}`;
    session.closeReason ??= why;
    if (session.online) return; // the offline entry says it
    // Not logged in (usually the first packet): no CONNACK is sent, the socket is closed.
    this.deviceLog.record({ event: "login-refused", ...this.where(session), status: "refused", reason: `${why}; connection closed before reading it` });
  }

  private onOutbound(conn: WireConnection, packet: WirePacket): void {
    const session = this.sessionByConn.get(conn);
    if (!session) return;
    switch (packet.cmd) {
      case "connack":
        if ((packet.returnCode ?? packet.reasonCode ?? 0) === 0) this.markOnline(session);
        break;
      case "publish":
        this.deviceLog.record({
          event: "downstream",
          ...this.where(session),
          topic: packet.topic,
          qos: packet.qos,
          payloadSize: packet.payload?.length ?? 0,
          payloadPreview: payloadPreview(packet.payload),
          ...(packet.messageId !== undefined ? { messageId: packet.messageId } : {}),
          status: "ok",
        });
        break;
      case "suback": {
        const messageId = packet.messageId ?? -1;
        const requested = session.subscribes.get(messageId) ?? [];
        session.subscribes.delete(messageId);
        (packet.granted as (number | { qos: number })[]).forEach((code, i) => {
          const granted = typeof code === "number" ? code : code.qos;
          const ok = granted < 0x80;
          this.deviceLog.record({
            event: "subscribe",
            ...this.where(session),
            topic: requested[i]?.topic ?? "?",
            qos: requested[i]?.qos,
            messageId,
            status: ok ? "ok" : "forbidden",
            returnCode: granted,
            reason: ok ? `granted QoS ${granted}` : `refused (SUBACK 0x${granted.toString(16)}): not the device's own topic`,
          });
        });
        break;
      }
      case "unsuback": {
        const messageId = packet.messageId ?? -1;
        const topics = session.unsubscribes.get(messageId) ?? [];
        session.unsubscribes.delete(messageId);
        for (const topic of topics) {
          session.granted.delete(topic);
          this.deviceLog.record({ event: "unsubscribe", ...this.where(session), topic, messageId, status: "ok" });
        }
        break;
      }
      default:
        break;
    }
  }

  // ---- API ----

  online(): OnlineDevice[] {
    return [...this.byDevice.values()]
      .filter((s) => s.online && s.device)
      .map((s) => ({
        productKey: s.device!.productKey,
        deviceName: s.device!.deviceName,
        clientId: s.clientId,
        clientIp: s.conn.remoteAddress,
        clientPort: s.conn.remotePort,
        protocolVersion: s.conn.protocolVersion ?? 4,
        keepalive: s.connect?.keepalive ?? 0,
        since: new Date(s.onlineAt).toISOString(),
      }));
  }

  async publishToDevice(device: DeviceIdentity, topic: string, payload: string | Uint8Array | object, options: PublishToDeviceOptions = {}): Promise<PublishToDeviceResult> {
    if (this.stopping) throw new PlatformError("the platform is stopped");
    if (!isDeviceTopic(device, topic, { filter: false })) {
      throw new PlatformError(`${topic} is not a topic of device ${deviceKey(device)} (expected /${device.productKey}/${device.deviceName}/… or /sys/${device.productKey}/${device.deviceName}/…)`);
    }
    const qos = options.qos ?? 0;
    if (qos > this.maxQos) throw new PlatformError(`QoS ${qos} is not supported (the platform's maximum is ${this.maxQos})`);
    const bytes = payloadBuffer(payload);
    const size = mqttPacket.generate({ cmd: "publish", topic, payload: bytes, qos, retain: false, dup: false, ...(qos > 0 ? { messageId: 1 } : {}) }).length;
    if (size > this.maxPacketSize) throw new PlatformError(`the message would be a ${size}-byte packet, over the platform's maximum packet size of ${this.maxPacketSize} bytes`);
    const session = this.byDevice.get(deviceKey(device));
    let result: PublishToDeviceResult = { delivered: true };
    if (!session || !session.online) result = { delivered: false, reason: "the device is offline" };
    else if (![...session.granted].some((filter) => topicMatches(filter, topic))) result = { delivered: false, reason: "the device has not subscribed to the topic" };
    if (!result.delivered) {
      const where = session ? this.where(session) : { clientIp: "-", clientPort: 0 };
      this.deviceLog.record({
        event: "downstream",
        ...where,
        productKey: device.productKey,
        deviceName: device.deviceName,
        topic,
        qos,
        payloadSize: bytes.length,
        payloadPreview: payloadPreview(bytes),
        status: "failed",
        reason: result.reason,
      });
    }
    await new Promise<void>((resolve, reject) =>
      this.broker.publish({ cmd: "publish", topic, payload: bytes, qos, retain: options.retain ?? false, dup: false }, (error) =>
        error ? reject(new PlatformError(`publish failed: ${error.message}`)) : resolve(),
      ),
    );
    return result;
  }

  async subscribe(filter: string, handler: (message: PlatformMessage) => void): Promise<() => Promise<void>> {
    const deliver = (packet: { topic: string; payload: Buffer | string; qos: number; retain: boolean }, callback: () => void) => {
      try {
        handler({ topic: packet.topic, payload: Buffer.from(packet.payload), qos: packet.qos, retain: packet.retain });
      } finally {
        callback();
      }
    };
    await new Promise<void>((resolve) => this.broker.subscribe(filter, deliver as never, () => resolve()));
    return () => new Promise<void>((resolve) => (this.broker.closed ? resolve() : this.broker.unsubscribe(filter, deliver as never, () => resolve())));
  }

  get stopped(): boolean {
    return this.stopping !== undefined;
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const serverClosed = Promise.all([this.server, ...this.extraServers].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    for (const session of this.sessions) {
      session.closeReason ??= "platform stopped";
      session.conn.sendDisconnect(V5_REASON.serverShuttingDown);
    }
    await new Promise<void>((resolve) => this.broker.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await serverClosed;
    this.deviceLog.close();
  }
}

/** Starts the platform; resolves once it listens. */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  let platform: IotPlatform;
  try {
    platform = new IotPlatform(options);
  } catch (error) {
    if (error instanceof PlatformError) throw error;
    throw new PlatformError(`cannot open the device log ${options.deviceLog}: ${(error as Error).message}`);
  }
  await platform.start();
  return platform;
}
