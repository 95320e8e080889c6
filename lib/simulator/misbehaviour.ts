/**
 * Misbehaving devices, for learning what `iot-wire-lab check` finds. Each
 * fault is a short prologue of extra connections before the tutorial's
 * program runs (all with the same signed clientId, as one device would use),
 * or a change to that program:
 *
 * - keepaliveViolation: one connection that stops sending PINGREQ and stays
 *   silent until the broker closes it (1.5× the keep-alive [MQTT-3.1.2-24];
 *   real seconds, so use a small --keepalive such as 2).
 * - noBackoff: three connections dropped right after their CONNACK (the
 *   socket closed, no DISCONNECT), each retried after the same fixed second.
 * - duplicateClientId: a twin with the same certificate logs in while the
 *   device is online and knocks it off; the device logs in again and knocks
 *   the twin off: a takeover loop [MQTT-3.1.4-2].
 * - resendWithoutDup: the first QoS 1 PUBLISH is written twice with the same
 *   packet id, the second without DUP [MQTT-3.3.1-1] (see runDevice).
 */
import * as mqtt from "mqtt";
import type { MqttCredentials } from "../device/credentials";
import type { DeviceIdentity } from "../device/identity";
import type { SimulatorEvent } from "./events";
import type { DeviceTransport } from "./transport";
import { transportClientOptions } from "./transport-options";

export interface Misbehaviour {
  keepaliveViolation?: boolean;
  noBackoff?: boolean;
  duplicateClientId?: boolean;
  resendWithoutDup?: boolean;
}

/** Dropped attempts of noBackoff, and the fixed wait between them (seconds, divided by speed). */
export const NO_BACKOFF = { attempts: 3, retrySeconds: 1 } as const;

export interface PrologueOptions {
  url: string;
  device: DeviceIdentity;
  credentials: MqttCredentials;
  protocolVersion: 4 | 5;
  keepalive: number;
  speed: number;
  connectTimeoutMs: number;
  misbehaviour: Misbehaviour;
  transport?: DeviceTransport;
  emit: (event: SimulatorEvent) => void;
  base: () => { time: number; elapsedMs: number; device: DeviceIdentity };
}

/** What is left running when the prologue ends: the twin, closed once the device has taken the identity back. */
export interface PrologueResult {
  finish(): Promise<void>;
}

function connectOnce(options: PrologueOptions, keepalive: number): Promise<mqtt.MqttClient> {
  return new Promise((resolve, reject) => {
    const transport = transportClientOptions(options.url, options.transport);
    const client = mqtt.connect(options.url, {
      clientId: options.credentials.clientId,
      username: options.credentials.username,
      password: options.credentials.password,
      protocolVersion: options.protocolVersion,
      keepalive,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: options.connectTimeoutMs,
      ...transport.options,
    });
    transport.attach(client);
    const onError = (error: Error) => {
      client.end(true);
      reject(error);
    };
    client.once("error", onError);
    client.once("connect", (connack) => {
      client.off("error", onError);
      // Later errors (a takeover's close) are expected: keep them from throwing.
      client.on("error", () => undefined);
      options.emit({ type: "connected", ...options.base(), clientId: options.credentials.clientId, sessionPresent: connack.sessionPresent, returnCode: 0, protocolVersion: options.protocolVersion });
      resolve(client);
    });
  });
}

function closed(client: mqtt.MqttClient, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (!client.connected) return resolve(true);
    const timer = setTimeout(() => resolve(false), timeoutMs);
    client.once("close", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runPrologue(options: PrologueOptions): Promise<PrologueResult> {
  const { misbehaviour: m, emit, base } = options;
  const done: PrologueResult = { finish: async () => undefined };
  if (m.keepaliveViolation) {
    const client = await connectOnce(options, options.keepalive);
    // Stop MQTT.js's PINGREQ timer: the device falls silent.
    (client as unknown as { _destroyKeepaliveManager(): void })._destroyKeepaliveManager();
    const byServer = await closed(client, (1.5 * options.keepalive + 10) * 1000);
    client.end(true);
    emit({ type: "closed", ...base(), clean: false, reason: byServer ? `silent for 1.5× keep-alive (${options.keepalive} s): the broker closed the connection` : "the broker did not close the silent connection" });
  }
  if (m.noBackoff) {
    for (let i = 0; i < NO_BACKOFF.attempts; i++) {
      const client = await connectOnce(options, options.keepalive);
      // Drop the connection as a flaky link would: the socket closes, no DISCONNECT.
      client.stream.destroy();
      client.end(true);
      emit({ type: "closed", ...base(), clean: false, reason: `dropped without DISCONNECT; retrying in ${NO_BACKOFF.retrySeconds / options.speed} s, no back-off` });
      await sleep((NO_BACKOFF.retrySeconds * 1000) / options.speed);
    }
  }
  if (m.duplicateClientId) {
    const device = await connectOnce(options, options.keepalive);
    const kicked = closed(device, 5000);
    const twin = await connectOnce(options, options.keepalive);
    await kicked;
    device.end(true);
    emit({ type: "closed", ...base(), clean: false, reason: "taken over by a twin with the same clientId" });
    const twinKicked = closed(twin, 10000);
    // The twin is knocked off when the device's program logs in again.
    done.finish = async () => {
      await twinKicked;
      twin.end(true);
    };
  }
  return done;
}
