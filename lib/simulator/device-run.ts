/**
 * One simulated device running the seed tutorial's program with MQTT.js:
 *
 *   t = 0 s   connect with signed credentials (t counts from the CONNACK)
 *   t = 3 s   subscribe to /${pk}/${dn}/user/get
 *   t = 5 s   publish {"temperature":T,"humidity":H} to /${pk}/${dn}/user/update
 *             (T and H are integers from 10 to 29), then every `interval`
 *             seconds for `count` messages in all
 *   3 s after the last publish: DISCONNECT, then the TCP connection closes
 *
 * `speed` divides every delay (speed 10 runs the 8 s script in 0.8 s). Every
 * timer and socket is released when the run ends, whichever way it ends.
 */
import { performance } from "node:perf_hooks";
import * as mqtt from "mqtt";
import { isTlsUrl, type DeviceTransport } from "./transport";
import { transportClientOptions } from "./transport-options";
import * as mqttPacket from "mqtt-packet";
import { signMqttCredentials, type MqttCredentials } from "../device/credentials";
import { loginReasonCodeLabels, loginReturnCodeLabels, type LoginReasonCode, type LoginReturnCode } from "../device/login-codes";
import { deviceTopics } from "../device/topics";
import type { Device, DeviceIdentity } from "../device/identity";
import type { SimulatorEvent } from "./events";
import { randomInt, type Random } from "./prng";

/** The tutorial program's schedule, in seconds after the CONNACK. */
export const TUTORIAL_SCRIPT = { subscribeAt: 3, firstPublishAt: 5, disconnectAfterLastPublish: 3 } as const;

/** Readings are integers in this range, both ends included. */
export const READING_RANGE = { min: 10, max: 29 } as const;

export interface Reading {
  temperature: number;
  humidity: number;
}

/** The next reading; temperature is drawn first, then humidity (the payload's key order). */
export function nextReading(random: Random): Reading {
  const temperature = randomInt(random, READING_RANGE.min, READING_RANGE.max);
  const humidity = randomInt(random, READING_RANGE.min, READING_RANGE.max);
  return { temperature, humidity };
}

export interface DeviceRunOptions {
  device: Device;
  url: string;
  protocolVersion: 4 | 5;
  qos: 0 | 1 | 2;
  keepalive: number;
  speed: number;
  count: number;
  /** Seconds between publishes. */
  interval: number;
  random: Random;
  /** Time source for the signed timestamp. */
  clock: () => number;
  /** performance.now() when the whole run started (for elapsedMs). */
  runStart: number;
  emit: (event: SimulatorEvent) => void;
  /** Real milliseconds to wait for a CONNACK. */
  connectTimeoutMs: number;
  /** Resolves when the run is asked to stop early. */
  stopSignal: Promise<void>;
  /** Credentials signed ahead (a misbehaving device's extra connections share its clientId). */
  credentials?: MqttCredentials;
  /** Write the first QoS 1 PUBLISH a second time, same packet id, DUP = 0 [MQTT-3.3.1-1]. */
  resendWithoutDup?: boolean;
  /** The CA trusted over TLS, and where the TLS secrets go. */
  transport?: DeviceTransport;
}

export interface DeviceRunSummary {
  device: DeviceIdentity;
  url: string;
  /** The MQTT clientId and username sent (the password is left out of summaries). */
  clientId: string;
  username: string;
  ok: boolean;
  error?: string;
  /** Real milliseconds from opening the connection to the CONNACK. */
  connectMs?: number;
  readings: Reading[];
  published: number;
  acked: number;
  received: number;
  latenciesMs: number[];
}

/** A run that failed: refused login, unreachable broker, connection lost… */
export class SimulationError extends Error {
  override name = "SimulationError";
  code: string | number | undefined;
  constructor(message: string, code?: string | number) {
    super(message);
    this.code = code;
  }
}

/** Turns MQTT.js and socket errors into one clear sentence. */
export function describeConnectError(error: Error & { code?: string | number }, url: string, protocolVersion: 4 | 5): SimulationError {
  const code = error.code;
  let host = url;
  try {
    host = new URL(url).hostname;
  } catch {
    // keep the url
  }
  if (typeof code === "number") {
    if (protocolVersion === 5) {
      const label = loginReasonCodeLabels[code as LoginReasonCode] ?? error.message.replace(/^Connection refused: /, "");
      return new SimulationError(`login refused by ${url}: CONNACK reason code 0x${code.toString(16)} (${label})`, code);
    }
    const label = loginReturnCodeLabels[code as LoginReturnCode] ?? error.message;
    return new SimulationError(`login refused by ${url}: CONNACK return code ${code} (${label.replace("Connection Refused: ", "")})`, code);
  }
  switch (code) {
    case "ECONNREFUSED":
      return new SimulationError(`cannot connect to ${url}: connection refused (is the broker running?)`, code);
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new SimulationError(`cannot resolve ${host}: DNS lookup failed (${code})`, code);
    case "ETIMEDOUT":
      return new SimulationError(`cannot connect to ${url}: timed out`, code);
    case "ECONNRESET":
      return new SimulationError(`connection to ${url} was reset`, code);
    default:
      return new SimulationError(`${url}: ${error.message}`, code);
  }
}

export function runDevice(options: DeviceRunOptions): Promise<DeviceRunSummary> {
  const { device, url, protocolVersion, qos } = options;
  const identity: DeviceIdentity = { productKey: device.productKey, deviceName: device.deviceName };
  const topics = deviceTopics(device);
  const credentials = options.credentials ?? signMqttCredentials(device, { clock: options.clock, tls: isTlsUrl(url) });
  const transport = transportClientOptions(url, options.transport);
  const summary: DeviceRunSummary = {
    device: identity,
    url,
    clientId: credentials.clientId,
    username: credentials.username,
    ok: false,
    readings: [],
    published: 0,
    acked: 0,
    received: 0,
    latenciesMs: [],
  };
  const base = () => ({ time: Date.now(), elapsedMs: performance.now() - options.runStart, device: identity });
  const timers: NodeJS.Timeout[] = [];
  const sentAt = new Map<number, number>();
  const openedAt = performance.now();
  let connected = false;
  let ending = false;
  let closed = false;
  let serverDisconnect: number | undefined;
  let failure: SimulationError | undefined;
  const scale = (seconds: number) => (seconds * 1000) / options.speed;

  return new Promise<DeviceRunSummary>((resolve, reject) => {
    const client = mqtt.connect(url, {
      clientId: credentials.clientId,
      username: credentials.username,
      password: credentials.password,
      protocolVersion,
      keepalive: options.keepalive,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: options.connectTimeoutMs,
      resubscribe: false,
      ...transport.options,
    });
    transport.attach(client);

    const finish = () => {
      for (const timer of timers) clearTimeout(timer);
      timers.length = 0;
      if (failure) {
        summary.error = failure.message;
        reject(Object.assign(failure, { summary }));
      } else {
        summary.ok = true;
        resolve(summary);
      }
    };

    const fail = (error: SimulationError) => {
      if (failure || closed) return;
      failure = error;
      options.emit({ type: "error", ...base(), message: error.message, ...(error.code !== undefined ? { code: error.code } : {}) });
      client.end(true);
    };

    const end = () => {
      if (ending) return;
      ending = true;
      for (const timer of timers) clearTimeout(timer);
      // A clean DISCONNECT once in-flight messages are acknowledged; forced if an ack never comes.
      const force = setTimeout(() => client.end(true), 5000);
      timers.push(force);
      client.end(false);
    };

    const at = (seconds: number, action: () => void) => {
      timers.push(setTimeout(action, scale(seconds)));
    };

    client.on("connect", (connack) => {
      connected = true;
      summary.connectMs = performance.now() - openedAt;
      options.emit({
        type: "connected",
        ...base(),
        clientId: credentials.clientId,
        sessionPresent: connack.sessionPresent,
        returnCode: (protocolVersion === 5 ? connack.reasonCode : connack.returnCode) ?? 0,
        protocolVersion,
      });
      at(TUTORIAL_SCRIPT.subscribeAt, () => {
        // A refused subscription is reported by the SUBACK handler below; the run goes on.
        client.subscribe(topics.userGet, { qos }, () => undefined);
      });
      for (let i = 0; i < options.count; i++) {
        at(TUTORIAL_SCRIPT.firstPublishAt + i * options.interval, () => {
          const reading = nextReading(options.random);
          summary.readings.push(reading);
          if (options.resendWithoutDup && qos === 1 && i === 0) publishTwiceWithoutDup(JSON.stringify(reading));
          else client.publish(topics.userUpdate, JSON.stringify(reading), { qos }, () => undefined);
        });
      }
      at(TUTORIAL_SCRIPT.firstPublishAt + (options.count - 1) * options.interval + TUTORIAL_SCRIPT.disconnectAfterLastPublish, end);
    });

    /**
     * The resend misbehaviour: one QoS 1 PUBLISH written twice, same packet
     * id, DUP = 0 both times [MQTT-3.3.1-1], in one write (so one TCP
     * segment): a second write could leave after the PUBACK came back, and
     * then it would be a new message, not a resend. MQTT.js ignores the
     * second PUBACK.
     */
    const publishTwiceWithoutDup = (payload: string) => {
      const messageId = client.messageIdProvider.allocate() ?? 1;
      const packet: mqttPacket.IPublishPacket = { cmd: "publish", topic: topics.userUpdate, payload: Buffer.from(payload), qos: 1, dup: false, retain: false, messageId };
      const bytes = mqttPacket.generate(packet, { protocolVersion });
      client.stream.write(Buffer.concat([bytes, bytes]));
      summary.published++;
      sentAt.set(messageId, performance.now());
      options.emit({ type: "published", ...base(), topic: packet.topic, qos: 1, payload, messageId });
    };

    const subscribing = new Map<number, string[]>();
    client.on("packetsend", (packet) => {
      if (packet.cmd === "subscribe" && packet.messageId !== undefined) subscribing.set(packet.messageId, packet.subscriptions.map((s) => s.topic));
      if (packet.cmd !== "publish") return;
      const payload = Buffer.from(packet.payload).toString("utf8");
      summary.published++;
      if (packet.messageId !== undefined && packet.qos > 0) sentAt.set(packet.messageId, performance.now());
      options.emit({
        type: "published",
        ...base(),
        topic: packet.topic,
        qos: packet.qos,
        payload,
        ...(packet.qos > 0 && packet.messageId !== undefined ? { messageId: packet.messageId } : {}),
      });
    });

    client.on("packetreceive", (packet) => {
      if (packet.cmd === "suback" && packet.messageId !== undefined) {
        const requested = subscribing.get(packet.messageId) ?? [];
        subscribing.delete(packet.messageId);
        (packet.granted as (number | { qos: number })[]).forEach((code, i) => {
          options.emit({ type: "subscribed", ...base(), topic: requested[i] ?? "?", granted: typeof code === "number" ? code : code.qos });
        });
        return;
      }
      const done = (packet.cmd === "puback" && qos === 1) || (packet.cmd === "pubcomp" && qos === 2);
      if (!done || packet.messageId === undefined) return;
      const start = sentAt.get(packet.messageId);
      if (start === undefined) return;
      sentAt.delete(packet.messageId);
      const latencyMs = performance.now() - start;
      summary.acked++;
      summary.latenciesMs.push(latencyMs);
      options.emit({ type: "acked", ...base(), messageId: packet.messageId, latencyMs });
    });

    client.on("message", (topic, payload, packet) => {
      summary.received++;
      options.emit({
        type: "message-received",
        ...base(),
        topic,
        payload: payload.toString("utf8"),
        qos: packet.qos,
        ...(packet.messageId !== undefined ? { messageId: packet.messageId } : {}),
      });
    });

    client.on("disconnect", (packet) => {
      serverDisconnect = packet.reasonCode ?? 0;
    });

    client.on("error", (error) => fail(describeConnectError(error as Error & { code?: string | number }, url, protocolVersion)));

    client.on("close", () => {
      if (closed) return;
      if (!failure && !ending) {
        const why =
          serverDisconnect !== undefined
            ? `the server sent DISCONNECT 0x${serverDisconnect.toString(16).padStart(2, "0")}`
            : connected
              ? "the server closed the connection"
              : "the connection closed before a CONNACK arrived";
        fail(new SimulationError(`${url}: ${why}`, serverDisconnect));
      }
      options.emit({
        type: "closed",
        ...base(),
        clean: ending && !failure,
        reason: failure ? failure.message : "client disconnected (DISCONNECT sent)",
      });
      closed = true;
      finish();
    });

    void options.stopSignal.then(() => {
      if (!failure && !ending) {
        if (connected) end();
        else {
          ending = true;
          client.end(true);
        }
      }
    });
  });
}
