/**
 * The MQTT.js client options for a device transport (transport.ts): the CA,
 * and the key log taken from the TLS socket's `keylog` event (mqtts://) or
 * the https Agent's (wss://). Kept apart from transport.ts so that the
 * simulator's public declarations never pull in MQTT.js's own types.
 */
import { Agent } from "node:https";
import type { TLSSocket } from "node:tls";
import type * as mqtt from "mqtt";
import { isTlsUrl, type DeviceTransport } from "./transport";

/** MQTT.js options for the transport; call `attach` with the client right after mqtt.connect. */
export function transportClientOptions(url: string, transport: DeviceTransport = {}): { options: Partial<mqtt.IClientOptions>; attach(client: mqtt.MqttClient): void } {
  const options: Partial<mqtt.IClientOptions> = {};
  if (transport.ca !== undefined) options.ca = transport.ca;
  const sink = transport.keylog;
  if (!sink || !isTlsUrl(url)) return { options, attach: () => undefined };
  if (/^wss:/i.test(url)) {
    // ws opens its TLS socket through an https Agent, which reports each secret.
    const agent = new Agent({ ...(transport.ca !== undefined ? { ca: transport.ca } : {}), keepAlive: false });
    agent.on("keylog", (line: Buffer) => sink(line));
    options.wsOptions = { agent };
    return { options, attach: () => undefined };
  }
  return {
    options,
    // MQTT.js builds its TLS socket synchronously in connect(); the handshake (and its secrets) come later.
    attach: (client) => (client.stream as unknown as TLSSocket).on("keylog", (line: Buffer) => sink(line)),
  };
}
