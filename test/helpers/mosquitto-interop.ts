// Third-party MQTT over TLS and over WebSocket, recorded on the loopback:
// Debian's Mosquitto (a TLS listener with a throwaway certificate, a
// websockets listener) and MQTT.js running a small device program (connect,
// subscribe, a QoS 1 JSON publish, disconnect), under a real dumpcap. The
// TLS client's key log comes from the TLS socket's "keylog" event, the same
// NSS lines `NODE_OPTIONS=--tls-keylog=FILE` writes.
//
// Used by test/interop/*.test.ts (live, on free ports) and by
// scripts/record-interop-fixtures.ts (the committed data/captures/mosquitto-*
// files, on Mosquitto's usual ports 8883 and 9001).
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SecureVersion } from "node:tls";
import * as mqtt from "mqtt";
import { startCapture, type LiveCaptureResult } from "../../lib/live";
import { freePort, launchMosquitto, MOSQUITTO_BASE_CONFIG } from "./mosquitto";
import { testCertificate } from "./tls-conversation";

export interface InteropBroker {
  /** Plain MQTT listener: Mosquitto 2.0.11 needs one beside a websockets listener (see startInteropBroker). */
  plainPort: number;
  /** `listener P` with certfile/keyfile: mqtts:// */
  tlsPort: number;
  /** `listener P` with `protocol websockets`: ws:// */
  wsPort: number;
  /** The broker's self-signed certificate (PEM), what the device trusts as its CA. */
  ca: string;
  /** What mosquitto printed. */
  output(): string;
  stop(): Promise<void>;
}

export interface InteropPorts {
  plainPort?: number;
  tlsPort?: number;
  wsPort?: number;
  /** Lowest TLS version the TLS listener accepts (Mosquitto's `tls_version`); default "tlsv1.2". */
  tlsVersion?: "tlsv1.2" | "tlsv1.3";
}

/**
 * Mosquitto with three listeners on 127.0.0.1 (free ports unless given).
 *
 * The plain listener is there because Mosquitto 2.0.11 (Debian 12) refuses a
 * config whose only listeners are websockets ones: libwebsockets owns those
 * sockets, Mosquitto does not count them among its own listening sockets, and
 * with none it stops with "Unable to start any listening sockets". One plain
 * listener beside it and the websockets listener serves normally.
 *
 * `tls_version` is the listener's minimum; a device gets TLS 1.2 by capping
 * its own maxVersion.
 */
export async function startInteropBroker(binary: string, ports: InteropPorts = {}): Promise<InteropBroker> {
  const dir = mkdtempSync(join(tmpdir(), "iwl-mosquitto-interop-"));
  // Started as root, Mosquitto drops to the `mosquitto` user before it reads the certificate:
  // the folder and files must be readable to it (a throwaway key, made for this run).
  chmodSync(dir, 0o755);
  const plainPort = ports.plainPort ?? (await freePort());
  const tlsPort = ports.tlsPort ?? (await freePort());
  const wsPort = ports.wsPort ?? (await freePort());
  const { key, cert } = await testCertificate();
  const certfile = join(dir, "broker-cert.pem");
  const keyfile = join(dir, "broker-key.pem");
  writeFileSync(certfile, cert);
  writeFileSync(keyfile, key, { mode: 0o644 });
  const config = [
    ...MOSQUITTO_BASE_CONFIG,
    `listener ${plainPort} 127.0.0.1`,
    `listener ${tlsPort} 127.0.0.1`,
    `certfile ${certfile}`,
    `keyfile ${keyfile}`,
    `tls_version ${ports.tlsVersion ?? "tlsv1.2"}`,
    `listener ${wsPort} 127.0.0.1`,
    "protocol websockets",
    "",
  ].join("\n");
  const broker = await launchMosquitto(binary, dir, config, [plainPort, tlsPort, wsPort]);
  return { plainPort, tlsPort, wsPort, ca: cert, ...broker };
}

/** The device program's fixed parts, so a test knows what to expect on the wire. */
export const DEVICE_PROGRAM = {
  clientId: "interop-device-1",
  subscribeTopic: "devices/interop-device-1/get",
  publishTopic: "devices/interop-device-1/telemetry",
  payload: JSON.stringify({ temperature: 21.5, humidity: 40, battery: 97 }),
  keepalive: 60,
} as const;

export type Transport = { kind: "tls"; port: number; ca: string; maxVersion?: SecureVersion; ciphers?: string } | { kind: "ws"; port: number; path?: string };

export interface DeviceRun {
  /** NSS key log lines (TLS only; "" over WebSocket). */
  keylog: string;
  /** The TLS version and cipher the device negotiated (TLS only). */
  protocol?: string | null;
  cipher?: string;
  /** The PUBLISH's packet identifier as MQTT.js chose it. */
  publishMessageId: number;
}

/**
 * MQTT.js as a device: CONNECT, SUBSCRIBE (QoS 1), a QoS 1 JSON PUBLISH and,
 * once its PUBACK is in, DISCONNECT; resolves when the socket has closed.
 */
export async function runDeviceProgram(transport: Transport): Promise<DeviceRun> {
  const url = transport.kind === "tls" ? `mqtts://127.0.0.1:${transport.port}` : `ws://127.0.0.1:${transport.port}${transport.path ?? "/mqtt"}`;
  const keylog: string[] = [];
  const client = mqtt.connect(url, {
    clientId: DEVICE_PROGRAM.clientId,
    keepalive: DEVICE_PROGRAM.keepalive,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    ...(transport.kind === "tls"
      ? { ca: transport.ca, servername: "localhost", rejectUnauthorized: true, ...(transport.maxVersion ? { maxVersion: transport.maxVersion } : {}), ...(transport.ciphers ? { ciphers: transport.ciphers } : {}) }
      : {}),
  });
  // The TLS socket exists as soon as connect() returns; its key log lines arrive during the handshake.
  client.stream.on("keylog", (line: Buffer) => keylog.push(line.toString("latin1")));
  const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      client.once("connect", () => resolve());
      client.once("error", reject);
    });
    const socket = client.stream as unknown as { getProtocol?: () => string | null; getCipher?: () => { standardName: string } };
    const protocol = socket.getProtocol?.();
    const cipher = socket.getCipher?.().standardName;
    await client.subscribeAsync(DEVICE_PROGRAM.subscribeTopic, { qos: 1 });
    const packet = await client.publishAsync(DEVICE_PROGRAM.publishTopic, DEVICE_PROGRAM.payload, { qos: 1 });
    await client.endAsync();
    await closed;
    return { keylog: keylog.join(""), protocol, cipher, publishMessageId: packet?.messageId ?? -1 };
  } catch (error) {
    client.end(true);
    throw error;
  }
}

export interface RecordedRun {
  capture: LiveCaptureResult;
  runs: DeviceRun[];
  /** Every run's key log, concatenated (NSS format). */
  keylog: string;
}

/**
 * One dumpcap on the loopback (`tcp port P`) around the given device runs, one
 * after the other: one tcp.stream each, in order.
 */
export async function recordDeviceRuns(port: number, transports: Transport[], file?: string): Promise<RecordedRun> {
  const capture = await startCapture({ port, tool: "dumpcap", ...(file ? { file } : {}) });
  const runs: DeviceRun[] = [];
  try {
    for (const transport of transports) runs.push(await runDeviceProgram(transport));
  } catch (error) {
    await capture.stop().catch(() => undefined);
    throw error;
  }
  return { capture: await capture.stop(), runs, keylog: runs.map((r) => r.keylog).join("") };
}

/** The TLS 1.2 suite of the recordings: ECDHE with the ECDSA certificate and AES-128-GCM. */
export const TLS12_CIPHERS = "ECDHE-ECDSA-AES128-GCM-SHA256";

