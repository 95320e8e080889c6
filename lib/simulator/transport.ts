/**
 * How a simulated device reaches its broker beyond plain TCP: the CA it
 * trusts for mqtts:// and wss://, and an NSS key log (the format Wireshark
 * reads as `tls.keylog_file`) written from Node's TLS `keylog` event, so a
 * capture of the run can be decrypted.
 *
 * A key log holds the session secrets of every connection it covers: it is
 * written with mode 0600 and never printed.
 */
import { chmodSync, closeSync, openSync, writeSync } from "node:fs";
import { Agent } from "node:https";
import type { TLSSocket } from "node:tls";

/** Receives each NSS key log line (one per secret, newline included). */
export type KeylogSink = (line: Buffer) => void;

/** A key log file opened for appending, readable by its owner only. */
export interface KeylogFile {
  readonly path: string;
  readonly sink: KeylogSink;
  /** Lines written so far. */
  readonly lines: number;
  close(): void;
}

export function openKeylogFile(path: string): KeylogFile {
  const fd = openSync(path, "a", 0o600);
  // An existing file keeps its mode when opened: narrow it too.
  chmodSync(path, 0o600);
  let lines = 0;
  let open = true;
  return {
    path,
    get lines() {
      return lines;
    },
    sink: (line) => {
      if (!open) return;
      writeSync(fd, line);
      lines++;
    },
    close: () => {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

export interface DeviceTransport {
  /** PEM certificate(s) the device trusts (default: the system's CAs). */
  ca?: string;
  keylog?: KeylogSink;
}

/** Is the URL's transport TLS (mqtts://, ssl://, wss://)? */
export function isTlsUrl(url: string): boolean {
  return /^(mqtts|ssl|wss|tls):/i.test(url);
}

/**
 * The MQTT.js client options a transport sets: a subset of mqtt.IClientOptions,
 * written out so that the lab's public declarations do not pull in MQTT.js's
 * own, which need the DOM library (Worker, MessagePort) that tslab's
 * compiler does not load.
 */
export interface TransportClientOptions {
  ca?: string;
  wsOptions?: { agent: Agent };
}

/** MQTT.js options for the transport; call `attach` with the client right after mqtt.connect. */
export function transportClientOptions(url: string, transport: DeviceTransport = {}): { options: TransportClientOptions; attach(client: { stream: unknown }): void } {
  const options: TransportClientOptions = {};
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
