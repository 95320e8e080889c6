/**
 * One entry of the platform's device log (see platform/device-log.ts), as a
 * record: it lives here, beside the device it describes, so that the
 * simulator and the lab read it without depending on the platform.
 */

export const DEVICE_LOG_EVENT = {
  online: "online",
  offline: "offline",
  upstream: "upstream",
  downstream: "downstream",
  subscribe: "subscribe",
  unsubscribe: "unsubscribe",
  loginRefused: "login-refused",
} as const;
export type DeviceLogEvent = (typeof DEVICE_LOG_EVENT)[keyof typeof DEVICE_LOG_EVENT];

export const deviceLogEventLabels: Record<DeviceLogEvent, string> = {
  online: "device online",
  offline: "device offline",
  upstream: "device → platform message",
  downstream: "platform → device message",
  subscribe: "subscription",
  unsubscribe: "unsubscription",
  "login-refused": "login refused",
};

export const DEVICE_LOG_STATUS = { ok: "ok", refused: "refused", forbidden: "forbidden", failed: "failed" } as const;
export type DeviceLogStatus = (typeof DEVICE_LOG_STATUS)[keyof typeof DEVICE_LOG_STATUS];

export interface DeviceLogEntry {
  /** 1-based position in the log. */
  seq: number;
  /** ISO 8601 (UTC) and milliseconds since the epoch: the same instant twice. */
  time: string;
  timeMs: number;
  event: DeviceLogEvent;
  productKey?: string;
  deviceName?: string;
  /** The id part of the MQTT clientId (the whole clientId when it could not be split). */
  clientId?: string;
  clientIp: string;
  clientPort: number;
  /** 3 (3.1), 4 (3.1.1) or 5. */
  protocolVersion?: number;
  topic?: string;
  payloadSize?: number;
  /** The message's content (upstream, downstream), shortened: see payloadPreview() in platform/device-log. */
  payloadPreview?: string;
  qos?: number;
  messageId?: number;
  status: DeviceLogStatus;
  /** Why: the CONNACK refusal, the offline reason, a forbidden topic, the SUBACK code… */
  reason?: string;
  /** CONNACK return code (online, login-refused) or SUBACK code (subscribe). */
  returnCode?: number;
  /** MQTT 5 reason code sent to the device, when it differs in meaning from returnCode. */
  reasonCode?: number;
  keepalive?: number;
}
