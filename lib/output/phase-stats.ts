/**
 * Running statistics of phases by kind, in constant memory per phase (one
 * number for its latency): for summaries of captures with millions of packets.
 */
import type { Phase, PhaseKind, PhaseStatus } from "../analysis/types";
import { phaseKinds } from "../analysis/types";

export interface PhaseKindStats {
  kind: PhaseKind;
  count: number;
  statuses: Partial<Record<PhaseStatus, number>>;
  /** Latency quantiles in seconds, over the phases that have one. */
  latency?: { count: number; min: number; median: number; p95: number; max: number; mean: number };
  bytes: number;
  packets: number;
}

export class PhaseStats {
  private readonly counts = new Map<PhaseKind, { count: number; statuses: Partial<Record<PhaseStatus, number>>; latencies: number[]; bytes: number; packets: number }>();

  add(phase: Phase): void {
    let entry = this.counts.get(phase.kind);
    if (!entry) {
      entry = { count: 0, statuses: {}, latencies: [], bytes: 0, packets: 0 };
      this.counts.set(phase.kind, entry);
    }
    entry.count++;
    entry.statuses[phase.status] = (entry.statuses[phase.status] ?? 0) + 1;
    if (phase.latency !== undefined) entry.latencies.push(phase.latency);
    entry.bytes += phase.clientToServer.bytes + phase.serverToClient.bytes;
    entry.packets += phase.clientToServer.packets + phase.serverToClient.packets;
  }

  summary(): PhaseKindStats[] {
    const result: PhaseKindStats[] = [];
    for (const kind of phaseKinds) {
      const entry = this.counts.get(kind);
      if (!entry) continue;
      const stats: PhaseKindStats = { kind, count: entry.count, statuses: entry.statuses, bytes: entry.bytes, packets: entry.packets };
      if (entry.latencies.length > 0) {
        const sorted = Float64Array.from(entry.latencies).sort();
        const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
        let sum = 0;
        for (const v of sorted) sum += v;
        stats.latency = { count: sorted.length, min: sorted[0], median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1], mean: sum / sorted.length };
      }
      result.push(stats);
    }
    return result;
  }
}
