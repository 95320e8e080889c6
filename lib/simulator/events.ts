/**
 * What a simulated device does, as typed events. Each carries the wall-clock
 * time, the milliseconds since the run started and the device it concerns.
 */
import type { DeviceIdentity } from "../device/identity";

export interface SimulatorEventBase {
  /** Milliseconds since the epoch. */
  time: number;
  /** Milliseconds since the run started. */
  elapsedMs: number;
  device: DeviceIdentity;
}

/** CONNACK accepted. */
export interface SimulatorConnectedEvent extends SimulatorEventBase {
  type: "connected";
  clientId: string;
  sessionPresent: boolean;
  /** CONNACK return code (3.1.1) or reason code (5); 0 here. */
  returnCode: number;
  protocolVersion: 4 | 5;
}

/** SUBACK received for one topic filter. */
export interface SimulatorSubscribedEvent extends SimulatorEventBase {
  type: "subscribed";
  topic: string;
  /** Granted QoS, or a failure code (0x80 in 3.1.1, ≥ 0x80 in 5). */
  granted: number;
}

/** PUBLISH sent by the device. */
export interface SimulatorPublishedEvent extends SimulatorEventBase {
  type: "published";
  topic: string;
  /** Absent for QoS 0. */
  messageId?: number;
  qos: 0 | 1 | 2;
  payload: string;
}

/** PUBACK (QoS 1) or PUBCOMP (QoS 2) received. */
export interface SimulatorAckedEvent extends SimulatorEventBase {
  type: "acked";
  messageId: number;
  /** From the PUBLISH leaving to its acknowledgement arriving. */
  latencyMs: number;
}

/** A PUBLISH from the broker to the device. */
export interface SimulatorMessageEvent extends SimulatorEventBase {
  type: "message-received";
  topic: string;
  payload: string;
  qos: number;
  messageId?: number;
}

/** The connection ended. */
export interface SimulatorClosedEvent extends SimulatorEventBase {
  type: "closed";
  /** The device sent DISCONNECT itself. */
  clean: boolean;
  reason: string;
}

export interface SimulatorErrorEvent extends SimulatorEventBase {
  type: "error";
  message: string;
  /** A socket error code (ECONNREFUSED…) or a CONNACK code. */
  code?: string | number;
}

export type SimulatorEvent =
  | SimulatorConnectedEvent
  | SimulatorSubscribedEvent
  | SimulatorPublishedEvent
  | SimulatorAckedEvent
  | SimulatorMessageEvent
  | SimulatorClosedEvent
  | SimulatorErrorEvent;

export type SimulatorEventType = SimulatorEvent["type"];

/** Event name → payload, for the typed emitter. `event` carries every event. */
export interface SimulatorEventMap {
  connected: SimulatorConnectedEvent;
  subscribed: SimulatorSubscribedEvent;
  published: SimulatorPublishedEvent;
  acked: SimulatorAckedEvent;
  "message-received": SimulatorMessageEvent;
  closed: SimulatorClosedEvent;
  error: SimulatorErrorEvent;
  event: SimulatorEvent;
}

/** One readable line, e.g. for the CLI or a notebook cell. */
export function formatSimulatorEvent(event: SimulatorEvent): string {
  const t = `+${(event.elapsedMs / 1000).toFixed(3)}s`.padStart(9);
  const who = `${event.device.productKey}/${event.device.deviceName}`;
  switch (event.type) {
    case "connected":
      return `${t} ${who} connected (MQTT ${event.protocolVersion === 5 ? "5" : "3.1.1"}, sessionPresent=${event.sessionPresent}) as ${event.clientId}`;
    case "subscribed":
      return `${t} ${who} subscribed ${event.topic} (${event.granted >= 0x80 ? `refused, code 0x${event.granted.toString(16)}` : `granted QoS ${event.granted}`})`;
    case "published":
      return `${t} ${who} published ${event.topic} qos=${event.qos}${event.messageId !== undefined ? ` id=${event.messageId}` : ""} ${event.payload}`;
    case "acked":
      return `${t} ${who} acked id=${event.messageId} in ${event.latencyMs.toFixed(1)} ms`;
    case "message-received":
      return `${t} ${who} received ${event.topic} qos=${event.qos} ${event.payload}`;
    case "closed":
      return `${t} ${who} closed (${event.reason})`;
    case "error":
      return `${t} ${who} error: ${event.message}`;
  }
}
