/**
 * The platform's listeners besides plain MQTT over TCP, as the cloud gateway
 * offers them: MQTT over TLS (8883, `securemode=2`), MQTT over WebSocket (at
 * path /mqtt, subprotocol `mqtt`, RFC 6455 §1.9), and WebSocket inside TLS.
 *
 * Every listener hands the platform one byte stream per device (a TLS socket,
 * or a WebSocket's binary message stream from ws's createWebSocketStream), so
 * the same WireConnection, login, ACLs and size limits apply whatever the
 * transport.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import type { Socket } from "node:net";
import { createWebSocketStream, WebSocketServer } from "ws";
import type { DeviceStream } from "./wire-connection";

export type PlatformTransport = "tcp" | "tls" | "ws" | "wss";

/** The URL scheme devices use for each transport. */
export const TRANSPORT_SCHEME: Record<PlatformTransport, string> = { tcp: "mqtt", tls: "mqtts", ws: "ws", wss: "wss" };

/** Where the cloud gateway and common brokers put each transport (EMQX's 8083/8084 for ws/wss). */
export const DEFAULT_TRANSPORT_PORT: Record<PlatformTransport, number> = { tcp: 1883, tls: 8883, ws: 8083, wss: 8084 };

/** The HTTP path the WebSocket listeners serve. */
export const WEBSOCKET_PATH = "/mqtt";

/** Subprotocols accepted in Sec-WebSocket-Protocol, preferred first (MQTT 3.1.1 §6; "mqttv3.1" for MQTT 3.1). */
const MQTT_SUBPROTOCOLS = ["mqtt", "mqttv3.1"];

export interface TlsPair {
  key: string;
  cert: string;
}

export type AcceptStream = (stream: DeviceStream, peer: { address?: string; port?: number }, transport: PlatformTransport) => void;

export interface ListenerOptions {
  transport: Exclude<PlatformTransport, "tcp">;
  tls?: TlsPair;
  /** Largest WebSocket message accepted (the MQTT packet limit; ws closes with 1009 above it). */
  maxMessageBytes: number;
  accept: AcceptStream;
  /** Every raw socket, so that stop() can destroy what is left. */
  track: (socket: Socket) => void;
}

/** A listening-ready server (not yet listening) for one transport. */
export function createTransportServer(options: ListenerOptions): TlsServer | HttpServer {
  const { transport, accept, track } = options;
  if (transport === "tls") {
    const server = createTlsServer({ key: options.tls!.key, cert: options.tls!.cert, minVersion: "TLSv1.2" }, (socket) => accept(socket, {}, "tls"));
    server.on("connection", track);
    // A handshake that fails (an untrusting device, a port scan) is the device's problem, not the platform's.
    server.on("tlsClientError", (_error, socket) => socket.destroy());
    return server;
  }
  const refuse = (_request: IncomingMessage, response: ServerResponse) => {
    response.writeHead(426, { "Content-Type": "text/plain", Upgrade: "websocket" });
    response.end(`MQTT over WebSocket: connect to ${WEBSOCKET_PATH} with Upgrade: websocket\n`);
  };
  const server = transport === "wss" ? createHttpsServer({ key: options.tls!.key, cert: options.tls!.cert, minVersion: "TLSv1.2" }, refuse) : createHttpServer(refuse);
  server.on("connection", track);
  if (transport === "wss") server.on("tlsClientError", (_error: Error, socket: Socket) => socket.destroy());
  const wss = new WebSocketServer({
    server,
    path: WEBSOCKET_PATH,
    maxPayload: options.maxMessageBytes,
    // No permessage-deflate: devices rarely offer it and it lets a small frame inflate into a big one.
    perMessageDeflate: false,
    handleProtocols: (offered) => MQTT_SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  wss.on("connection", (ws, request) => {
    const stream = createWebSocketStream(ws);
    // Each write goes out as one binary message (MQTT over WebSocket §6: binary frames only).
    ws.binaryType = "nodebuffer";
    accept(stream, { address: request.socket.remoteAddress, port: request.socket.remotePort }, transport);
  });
  wss.on("error", () => undefined);
  server.once("close", () => wss.close());
  return server;
}
