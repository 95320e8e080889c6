/**
 * Online/offline notices, published by the platform on
 * `/as/mqtt/status/${productKey}/${deviceName}` as JSON. On the real platform
 * they reach the business server through server-side subscription or the rules
 * engine, never a device; here they go to in-process subscribers
 * (`platform.subscribe`).
 *
 * Fields: status, productKey, deviceName, time and utcTime (when the status
 * changed), lastTime and utcLastTime (the device's last communication before
 * the change: a packet from it such as PUBLISH or PINGREQ), clientIp.
 * `time`/`lastTime` use the platform's "yyyy-MM-dd HH:mm:ss.SSS" local-time form.
 */
import type { DeviceIdentity } from "../device/identity";

export interface StatusNotice {
  status: "online" | "offline";
  productKey: string;
  deviceName: string;
  time: string;
  utcTime: string;
  lastTime: string;
  utcLastTime: string;
  clientIp: string;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** `2024-05-01 12:34:56.789` in the machine's local time zone. */
export function localTimeString(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function statusTopic(device: DeviceIdentity): string {
  return `/as/mqtt/status/${device.productKey}/${device.deviceName}`;
}

export function statusNotice(status: "online" | "offline", device: DeviceIdentity, timeMs: number, lastTimeMs: number, clientIp: string): StatusNotice {
  return {
    status,
    productKey: device.productKey,
    deviceName: device.deviceName,
    time: localTimeString(timeMs),
    utcTime: new Date(timeMs).toISOString(),
    lastTime: localTimeString(lastTimeMs),
    utcLastTime: new Date(lastTimeMs).toISOString(),
    clientIp,
  };
}
