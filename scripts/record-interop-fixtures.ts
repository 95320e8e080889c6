#!/usr/bin/env node
/**
 * Records the third-party interop captures in data/captures/
 * (`npm run fixtures:interop`): Debian's Mosquitto and MQTT.js running a small
 * device program over TLS 1.3, TLS 1.2 and WebSocket, under dumpcap on the
 * loopback (test/helpers/mosquitto-interop.ts, the helper the interop tests
 * use live). Mosquitto listens on its usual ports, 8883 (TLS) and 9001
 * (websockets), so Wireshark decodes MQTT over TLS without Decode As.
 *
 * The key logs written beside the TLS captures are throwaway lab keys: the
 * certificate is generated for the run and never used again.
 *
 * Each file's command and description go into data/captures/fixtures.json;
 * then `node dist/scripts/record-fixtures.js --readme` rewrites the README.
 * Needs root (dumpcap on lo), mosquitto and editcap.
 *
 *   node dist/scripts/record-interop-fixtures.js
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findExecutable } from "../lib/live/tools";
import { recordDeviceRuns, startInteropBroker, TLS12_CIPHERS, type Transport } from "../test/helpers/mosquitto-interop";
import { manifestEntry, type ManifestEntry } from "./fixture-manifest";

const root = join(__dirname, "..", "..");
const OUT = join(root, "data", "captures");
const MANIFEST = join(OUT, "fixtures.json");
const TLS_PORT = 8883;
const WS_PORT = 9001;

const RECORDER = "npm run fixtures:interop   (scripts/record-interop-fixtures.ts: test/helpers/mosquitto-interop.ts)";
const mosquittoConf = (version: string) => `mosquitto -c mosquitto.conf   # ${version}: listener <free port> 127.0.0.1; listener ${TLS_PORT} 127.0.0.1 + certfile/keyfile (selfsigned P-256, made for the run) + tls_version tlsv1.2; listener ${WS_PORT} 127.0.0.1 + protocol websockets`;
const PROGRAM = "device: MQTT.js 5 as clientId interop-device-1: CONNECT (MQTT 3.1.1, keepalive 60), SUBSCRIBE devices/interop-device-1/get QoS 1, PUBLISH devices/interop-device-1/telemetry QoS 1 (JSON), DISCONNECT";

function need(name: string): string {
  const path = findExecutable(name);
  if (!path) throw new Error(`${name} is not installed`);
  return path;
}

function entry(file: string, commands: string[], description: string, packets?: number): ManifestEntry {
  const path = join(OUT, file);
  chmodSync(path, 0o644);
  return { ...manifestEntry(path, commands, packets, description), file };
}

async function main(): Promise<void> {
  const mosquitto = need("mosquitto");
  const editcap = need("editcap");
  // `mosquitto -h` prints its version on the first line (and exits 3).
  const version = /mosquitto version [\d.]+/.exec(spawnSync(mosquitto, ["-h"], { encoding: "utf8" }).stdout)?.[0] ?? "mosquitto";
  const MOSQUITTO_CONF = mosquittoConf(version);
  const broker = await startInteropBroker(mosquitto, { tlsPort: TLS_PORT, wsPort: WS_PORT });
  const entries: ManifestEntry[] = [];
  try {
    const tls = (maxVersion: "TLSv1.3" | "TLSv1.2"): Transport => ({ kind: "tls", port: TLS_PORT, ca: broker.ca, maxVersion, ...(maxVersion === "TLSv1.2" ? { ciphers: TLS12_CIPHERS } : {}) });
    for (const [name, version] of [
      ["mosquitto-tls13", "TLSv1.3"],
      ["mosquitto-tls12", "TLSv1.2"],
    ] as const) {
      const pcapng = `${name}.pcapng`;
      const keylog = `${name}.keylog`;
      const recorded = await recordDeviceRuns(TLS_PORT, [tls(version)], join(OUT, pcapng));
      const run = recorded.runs[0]!;
      writeFileSync(join(OUT, keylog), recorded.keylog);
      process.stderr.write(`${pcapng}: ${run.protocol} ${run.cipher}, ${recorded.capture.packets} packets\n`);
      const what = version === "TLSv1.3" ? `TLS 1.3 (${run.cipher})` : `TLS 1.2 (${run.cipher}, the client capped at TLSv1.2 with ciphers ${TLS12_CIPHERS})`;
      entries.push(
        entry(
          pcapng,
          [RECORDER, MOSQUITTO_CONF, `dumpcap -i lo -f 'tcp port ${TLS_PORT}' -w ${pcapng}`, `${PROGRAM}, over mqtts://127.0.0.1:${TLS_PORT} (${version}), key log from the TLS socket's "keylog" event into ${keylog}`],
          `Third-party MQTT over ${what}: Mosquitto ${TLS_PORT} and MQTT.js, one tcp.stream (TCP handshake, TLS handshake, CONNECT/CONNACK, SUBSCRIBE/SUBACK, PUBLISH/PUBACK, DISCONNECT, teardown). Encrypted: read it with ${keylog} (\`analyze --tls-keylog ${keylog}\`, \`tshark -o tls.keylog_file:${keylog}\`).`,
          recorded.capture.packets,
        ),
        entry(keylog, [`written during the recording of ${pcapng} (TLS socket "keylog" event, the lines NODE_OPTIONS=--tls-keylog=FILE writes)`], `The NSS key log of ${pcapng}. A throwaway lab key: the broker's certificate and these secrets were made for this one recording and protect nothing else. Never commit a real device's key log.`),
      );
      if (version === "TLSv1.3") {
        const dsb = `${name}-dsb.pcapng`;
        rmSync(join(OUT, dsb), { force: true });
        execFileSync(editcap, ["--inject-secrets", `tls,${join(OUT, keylog)}`, join(OUT, pcapng), join(OUT, dsb)]);
        entries.push(entry(dsb, [`editcap --inject-secrets tls,${keylog} ${pcapng} ${dsb}`], `${pcapng} with ${keylog} embedded as a pcapng Decryption Secrets Block (TLS Key Log): Wireshark and iot-wire-lab decrypt it with no key log option.`, recorded.capture.packets));
      }
    }
    const ws = "mosquitto-ws.pcapng";
    const recorded = await recordDeviceRuns(WS_PORT, [{ kind: "ws", port: WS_PORT, path: "/mqtt" }], join(OUT, ws));
    process.stderr.write(`${ws}: ${recorded.capture.packets} packets\n`);
    entries.push(
      entry(
        ws,
        [RECORDER, MOSQUITTO_CONF, `dumpcap -i lo -f 'tcp port ${WS_PORT}' -w ${ws}`, `${PROGRAM}, over ws://127.0.0.1:${WS_PORT}/mqtt`],
        `Third-party MQTT over WebSocket: Mosquitto's websockets listener (${WS_PORT}) and MQTT.js, one tcp.stream: the HTTP Upgrade (GET /mqtt, Sec-WebSocket-Protocol: mqtt → 101), then each MQTT packet in a binary WebSocket frame (masked from the client), DISCONNECT and teardown. tshark shows "WebSocket Binary" only: its MQTT dissector does not register on WebSocket.`,
        recorded.capture.packets,
      ),
    );
  } finally {
    await broker.stop();
  }
  const manifest = JSON.parse(readFileSync(MANIFEST, "utf8")) as { files: Record<string, ManifestEntry> };
  for (const e of entries) manifest.files[e.file] = e;
  writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(`record-interop-fixtures: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
