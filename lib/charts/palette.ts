/**
 * One palette for every chart and table: a phase kind has the same colour in
 * the flow graph, the timeline, the latency chart, the sequence graph and the
 * HTML tables. TCP bookkeeping (handshake, teardown) is drawn in muted greys
 * and browns so the MQTT exchanges stand out.
 */
import { phaseKinds, type Direction, type PhaseKind } from "../analysis/types";

export const phaseColors: Readonly<Record<PhaseKind, string>> = {
  "tcp-handshake": "#7b8794",
  "tls-handshake": "#5c6f82",
  "ws-handshake": "#9aa5b1",
  connect: "#3b6fb6",
  auth: "#2a9d8f",
  subscribe: "#8e5cc2",
  unsubscribe: "#c490d1",
  publish: "#3f9b4b",
  ping: "#e08a1e",
  disconnect: "#c8453b",
  "tcp-teardown": "#8d6e52",
};

/** Packets outside any phase (mid-stream ACKs, non-MQTT TCP). */
export const OTHER_PHASE = "other";
export const otherPhaseColor = "#b8bec6";

export type PhaseLabel = PhaseKind | typeof OTHER_PHASE;

export function phaseColor(kind: PhaseKind | undefined): string {
  return kind ? phaseColors[kind] : otherPhaseColor;
}

/**
 * A colour scale (domain and range) for the phase kinds that occur, in the
 * canonical order of `phaseKinds`. Listing only the kinds present keeps
 * legends short; the explicit range keeps each kind's colour fixed.
 */
export function phaseColorScale(present: Iterable<string>): { domain: string[]; range: string[] } {
  const seen = new Set(present);
  const domain: string[] = phaseKinds.filter((k) => seen.has(k));
  if (seen.has(OTHER_PHASE)) domain.push(OTHER_PHASE);
  return { domain, range: domain.map((k) => (k === OTHER_PHASE ? otherPhaseColor : phaseColors[k as PhaseKind])) };
}

/** The parts a phase's bytes are split into (PhaseTraffic). */
export const byteParts = [
  { key: "tcpIpBytes", label: "TCP/IP headers", color: "#aab4c0" },
  { key: "mqttHeaderBytes", label: "MQTT headers", color: "#5b84c4" },
  { key: "payloadBytes", label: "payload", color: "#4caf61" },
  { key: "otherBytes", label: "other TCP data", color: "#d9b44a" },
] as const;

export const directionLabels: Readonly<Record<Direction, string>> = {
  "client->server": "device → platform",
  "server->client": "platform → device",
};

/** A translucent tint of a #rrggbb colour, for table row backgrounds. */
export function tint(color: string, alpha: number): string {
  const a = Math.round(Math.max(0, Math.min(1, alpha)) * 255)
    .toString(16)
    .padStart(2, "0");
  return `${color}${a}`;
}
