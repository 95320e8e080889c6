/**
 * The same device program on different transports, phase by phase: plain
 * MQTT over TCP, MQTT inside TLS, MQTT over WebSocket. For each phase kind,
 * what each capture spent on it (packets, bytes on the wire, of which the
 * bytes of the layers under MQTT, and the median latency), then two summary
 * rows: everything up to the CONNACK (what a device pays before it can send
 * its first reading) and the whole conversation.
 *
 * A phase kind one capture lacks (the `tls-handshake` of a plain capture) is
 * a row with nothing in that capture's cells: its cost there is zero, and the
 * difference columns say what the other transport adds.
 */
import { formatDuration } from "../analysis/format";
import type { Analysis, Phase, PhaseKind } from "../analysis/types";
import { phaseKinds } from "../analysis/types";
import type { Column } from "./record-table";

/** One capture in the comparison, under the name its columns carry ("TCP", "TLS", "WebSocket"). */
export interface ComparedCapture {
  label: string;
  analysis: Pick<Analysis, "phases">;
}

/** What one capture spent on one row. */
export interface PhaseCost {
  /** Phases counted (0: the capture has none of this kind). */
  phases: number;
  packets: number;
  /** Frame bytes on the wire, both directions. */
  bytes: number;
  /** Of those, the bytes of the layers under MQTT (TLS records, WebSocket framing, the HTTP Upgrade). */
  layerBytes: number;
  /**
   * Seconds: a phase row's median latency (request → answer, as the phase
   * measures it); the "to CONNACK" row's median time from the first packet
   * of a connection (its SYN) to the frame that carried its CONNACK. Absent when nothing was timed.
   */
  latency?: number;
}

/** A phase kind, everything up to and including the CONNECT/CONNACK, or the whole conversation. */
export type ComparisonRowName = PhaseKind | "to CONNACK" | "total";

export interface PhaseComparisonRow {
  phase: ComparisonRowName;
  /** One cost per compared capture, in the order they were given. */
  costs: PhaseCost[];
}

const emptyCost = (): PhaseCost => ({ phases: 0, packets: 0, bytes: 0, layerBytes: 0 });

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function addPhase(cost: PhaseCost, phase: Phase): void {
  cost.phases++;
  for (const traffic of [phase.clientToServer, phase.serverToClient]) {
    cost.packets += traffic.packets;
    cost.bytes += traffic.bytes;
    cost.layerBytes += traffic.layerBytes ?? 0;
  }
}

/** The phases of each connection up to its CONNACK, and the time from its first packet to the CONNACK. */
function setupCost(phases: readonly Phase[]): PhaseCost {
  const cost = emptyCost();
  const times: number[] = [];
  const byStream = new Map<number, Phase[]>();
  for (const phase of phases) {
    const list = byStream.get(phase.stream);
    if (list) list.push(phase);
    else byStream.set(phase.stream, [phase]);
  }
  for (const streamPhases of byStream.values()) {
    const connect = streamPhases.find((p) => p.kind === "connect");
    if (!connect) continue;
    const before = streamPhases.filter((p) => p === connect || p.relativeStart < connect.relativeStart);
    for (const phase of before) addPhase(cost, phase);
    const first = Math.min(...before.map((p) => p.relativeStart));
    // The CONNACK itself, not the phase's end: a delayed TCP ACK of the CONNACK can close the phase tens of milliseconds later.
    const connack = connect.steps.find((step) => step.type === "CONNACK");
    if (connack) times.push(connack.relativeTime - first);
  }
  const latency = median(times);
  if (latency !== undefined) cost.latency = latency;
  return cost;
}

/**
 * Rows for each phase kind any capture has (in protocol order), then
 * "to CONNACK" and "total". Show them with `phaseComparisonColumns`.
 */
export function comparePhases(captures: readonly ComparedCapture[]): PhaseComparisonRow[] {
  const present = new Set<PhaseKind>();
  for (const { analysis } of captures) for (const phase of analysis.phases) present.add(phase.kind);
  const rows: PhaseComparisonRow[] = [];
  for (const kind of phaseKinds) {
    if (!present.has(kind)) continue;
    const costs = captures.map(({ analysis }) => {
      const cost = emptyCost();
      const latencies: number[] = [];
      for (const phase of analysis.phases) {
        if (phase.kind !== kind) continue;
        addPhase(cost, phase);
        if (phase.latency !== undefined && Number.isFinite(phase.latency)) latencies.push(phase.latency);
      }
      const latency = median(latencies);
      if (latency !== undefined) cost.latency = latency;
      return cost;
    });
    rows.push({ phase: kind, costs });
  }
  rows.push({ phase: "to CONNACK", costs: captures.map(({ analysis }) => setupCost(analysis.phases)) });
  rows.push({
    phase: "total",
    costs: captures.map(({ analysis }) => {
      const cost = emptyCost();
      for (const phase of analysis.phases) addPhase(cost, phase);
      return cost;
    }),
  });
  return rows;
}

/** A signed difference: "+349", "−12", "0". */
function signed(n: number, unit: (v: number) => string): string {
  if (n === 0) return unit(0);
  return `${n > 0 ? "+" : "−"}${unit(Math.abs(n))}`;
}

/**
 * Columns for `comparePhases` rows: the phase, then per capture its bytes
 * (with the layer bytes in brackets when there are any) and its latency, and
 * for every capture after the first, what it adds to the first one.
 */
export function phaseComparisonColumns(labels: readonly string[]): ReadonlyArray<Column<PhaseComparisonRow>> {
  const columns: Array<Column<PhaseComparisonRow>> = [{ header: "Phase", text: (row) => row.phase }];
  labels.forEach((label, i) => {
    columns.push({
      header: `${label} bytes`,
      numeric: true,
      text: (row) => {
        const cost = row.costs[i];
        if (!cost || cost.phases === 0) return "";
        return cost.layerBytes > 0 ? `${cost.bytes} (${cost.layerBytes} ${label})` : String(cost.bytes);
      },
    });
    columns.push({ header: `${label} time`, numeric: true, text: (row) => (row.costs[i]?.latency === undefined ? "" : formatDuration(row.costs[i]!.latency)) });
  });
  for (let i = 1; i < labels.length; i++) {
    const label = labels[i]!;
    columns.push({
      header: `${label} adds, bytes`,
      numeric: true,
      text: (row) => signed((row.costs[i]?.bytes ?? 0) - (row.costs[0]?.bytes ?? 0), String),
    });
    columns.push({
      header: `${label} adds, time`,
      numeric: true,
      text: (row) => {
        const mine = row.costs[i]?.latency;
        const base = row.costs[0]?.latency;
        if (mine === undefined) return "";
        return signed(mine - (base ?? 0), (v) => formatDuration(v));
      },
    });
  }
  return columns;
}
