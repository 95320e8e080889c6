/**
 * The Alibaba Cloud IoT Platform's rules for a device on MQTT (the `aliyun`
 * profile), as its documentation states them:
 *
 * - keep-alive from 30 to 1200 seconds;
 * - the clientId `id|securemode=…,signmethod=…|` and the username
 *   `deviceName&productKey` (read by explainCredentials in ../device);
 * - a device publishes and subscribes only to its own topics;
 * - one connection per device certificate: a second login knocks the first off;
 * - TLS: new devices may no longer connect over plain TCP (since 2022).
 */
import type { MqttMessage } from "../analysis/types";
import { explainCredentials } from "../device/explain";
import type { DeviceIdentity } from "../device/identity";
import { isDeviceTopic } from "../device/topics";
import { framesFilter, type Finding } from "./finding";
import type { StreamState } from "./state";

export const ALIYUN_KEEPALIVE = { min: 30, max: 1200 } as const;

/** Checks of explainCredentials that need no registry (the capture has none). */
const FORMAT_CHECKS = new Set(["clientId.format", "username.format", "password.present"]);

export function aliyunConnectFindings(m: MqttMessage): { findings: Finding[]; device?: DeviceIdentity } {
  const findings: Finding[] = [];
  const clientId = m.clientId ?? null;
  const filter = framesFilter([m.frame], m.stream);
  const keepalive = m.keepalive ?? 0;
  if (keepalive < ALIYUN_KEEPALIVE.min || keepalive > ALIYUN_KEEPALIVE.max) {
    findings.push({
      code: "aliyun.keepalive_range",
      severity: "fail",
      clientId,
      stream: m.stream,
      frames: [m.frame],
      message: `Keep-alive ${keepalive} s (CONNECT, frame ${m.frame}): the platform accepts ${ALIYUN_KEEPALIVE.min}–${ALIYUN_KEEPALIVE.max} s (Alibaba Cloud IoT Platform, MQTT connection parameters).`,
      filter,
      data: { keepalive },
    });
  }
  // The registry is empty: only the format checks run, and no password is computed or shown.
  const explained = explainCredentials({ clientId: m.clientId ?? "", username: m.username, password: m.password }, []);
  const failed = explained.checks.filter((c) => FORMAT_CHECKS.has(c.check) && !c.ok);
  if (failed.length > 0) {
    findings.push({
      code: "aliyun.client_id_format",
      severity: "fail",
      clientId,
      stream: m.stream,
      frames: [m.frame],
      message: `CONNECT (frame ${m.frame}) is not in the platform's login format (Alibaba Cloud IoT Platform, MQTT connection parameters): ${failed.map((c) => `${c.check}: ${c.detail}`).join("; ")}.`,
      filter,
    });
  }
  return explained.claimed ? { findings, device: explained.claimed } : { findings };
}

/** A PUBLISH or SUBSCRIBE by the device: its own topics only. */
export function aliyunTopicFindings(m: MqttMessage, device: DeviceIdentity, clientId: string | null): Finding[] {
  const used: { topic: string; filter: boolean }[] = [];
  if (m.type === "PUBLISH" && m.topic !== undefined) used.push({ topic: m.topic, filter: false });
  if (m.type === "SUBSCRIBE") for (const s of m.subscriptions ?? []) used.push({ topic: s.topic, filter: true });
  const outside = used.filter((u) => !isDeviceTopic(device, u.topic, { filter: u.filter }));
  if (outside.length === 0) return [];
  return [
    {
      code: "aliyun.topic",
      severity: "fail",
      clientId,
      stream: m.stream,
      frames: [m.frame],
      message: `${m.type} (frame ${m.frame}) uses ${outside.map((u) => JSON.stringify(u.topic)).join(", ")}: a device may use only /${device.productKey}/${device.deviceName}/… and /sys/${device.productKey}/${device.deviceName}/… (Alibaba Cloud IoT Platform, topic authorization); the platform refuses the rest.`,
      filter: framesFilter([m.frame], m.stream),
      data: { topic: outside[0]!.topic },
    },
  ];
}

/** A second open connection with the same device certificate. */
export function aliyunOneConnection(state: StreamState, others: StreamState[], device: DeviceIdentity): Finding | undefined {
  if (others.length === 0) return undefined;
  const older = others[0]!;
  const frames = [older.connectFrame!, state.connectFrame!];
  return {
    code: "aliyun.one_connection_per_device",
    severity: "fail",
    clientId: state.clientId ?? null,
    stream: state.stream,
    streams: [older.stream, state.stream],
    frames,
    message: `Device ${device.productKey}/${device.deviceName} logged in on stream ${state.stream} (frame ${state.connectFrame}) while stream ${older.stream} was still connected: the platform keeps one connection per device and closes the other, so devices sharing one certificate go on and offline in a loop (Alibaba Cloud IoT Platform).`,
    filter: framesFilter(frames),
  };
}

/** MQTT readable on the wire: plain TCP. */
export function aliyunUnencrypted(m: MqttMessage): Finding {
  return {
    code: "aliyun.unencrypted_tcp",
    severity: "warn",
    clientId: m.clientId ?? null,
    stream: m.stream,
    frames: [m.frame],
    message: `The CONNECT (frame ${m.frame}) travels over plain TCP, readable by anyone on the path: the platform requires TLS (securemode=2, port 8883 or 443) for devices created since 2022 (Alibaba Cloud IoT Platform).`,
    filter: `tcp.stream == ${m.stream} && mqtt.msgtype == 1`,
  };
}
