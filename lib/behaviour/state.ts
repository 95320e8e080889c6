/**
 * The small state the behaviour checks keep: one record per open connection
 * (dropped when it closes) and one per clientId (a few numbers and capped
 * lists), so a fleet capture is checked in bounded memory as it streams.
 */
import type { Direction } from "../analysis/types";

/** How a connection attempt ended, for the reconnect rule. */
export type AttemptOutcome = "refused" | "no-connack" | "dropped" | "clean" | "open";

export interface Silence {
  /** Seconds without a client packet. */
  gap: number;
  /** Relative time the silence began. */
  start: number;
  /** The client's last packet before the silence, and what ended it. */
  fromFrame: number;
  toFrame: number;
}

/** A QoS 1/2 PUBLISH not yet acknowledged (or a QoS 2 one waiting for PUBCOMP). */
export interface InFlight {
  frame: number;
  stream: number;
  time: number;
  topic: string;
  payloadLength: number;
  qos: number;
  /** QoS 2 after PUBREC: the id stays in use until PUBCOMP [MQTT-2.3.1-3]. */
  released: boolean;
}

export interface StreamState {
  stream: number;
  clientId?: string;
  username?: string;
  protocolVersion: number;
  cleanSession?: boolean;
  keepalive?: number;
  connectFrame?: number;
  connectTime?: number;
  connectRelative?: number;
  /** The client's last MQTT packet. */
  lastClientTime?: number;
  lastClientFrame?: number;
  longest?: Silence;
  connack?: { frame: number; code: number };
  clientDisconnect?: { frame: number; reasonCode: number };
  serverDisconnect?: { frame: number; reasonCode: number; time: number };
  teardown?: { frame: number; time: number; relative: number; initiator: "client" | "server" };
  will?: { topic: string; payloadLength: number };
  /** A newer connection of the same clientId began while this one was open. */
  overlappedBy?: { stream: number; frame: number; time: number; relative: number };
}

export interface ReconnectGap {
  gap: number;
  /** How the attempt before the gap ended. */
  after: AttemptOutcome;
  /** The frame that ended the earlier attempt and the next CONNECT. */
  fromFrame: number;
  toFrame: number;
  fromStream: number;
  toStream: number;
  /** Relative time of the next CONNECT. */
  at: number;
}

export interface ClientState {
  clientId: string;
  attempts: number;
  /** Streams of this clientId still open. */
  open: Set<number>;
  /** The last attempt that ended: when, how, and its last frame. */
  lastEnded?: { stream: number; time: number; relative: number; frame: number; outcome: AttemptOutcome };
  /** Reconnect gaps (the first MAX_GAPS), and how many there were. */
  gaps: ReconnectGap[];
  gapCount: number;
  /** Session state: packet ids in flight, per direction, across reconnects without clean session. */
  inFlight: Record<Direction, Map<number, InFlight>>;
  takeovers: number;
}

export const MAX_GAPS = 100;

export function newClientState(clientId: string): ClientState {
  return { clientId, attempts: 0, open: new Set(), gaps: [], gapCount: 0, inFlight: { "client->server": new Map(), "server->client": new Map() }, takeovers: 0 };
}
