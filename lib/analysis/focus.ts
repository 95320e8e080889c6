/**
 * Looking at one phase at a time: its packet rows, and an Analysis cut down
 * to its frames, which every chart builder accepts as it is (a flow graph of
 * just the handshake, the bytes of just the CONNECT…).
 */
import type { Analysis, PacketRow, Phase, PhaseKind } from "./types";

/** The packet-list rows of a phase (or several), in frame order. */
export function packetsOf(analysis: Analysis, phases: Phase | readonly Phase[]): PacketRow[] {
  const frames = new Set((Array.isArray(phases) ? phases : [phases as Phase]).flatMap((p) => p.frames));
  return analysis.packets.filter((p) => frames.has(p.frame));
}

/**
 * The analysis restricted to some phases: their packets, messages and
 * connections, and those phases only. The capture summary is kept as it is
 * (it describes the file).
 */
export function focusOn(analysis: Analysis, phases: Phase | readonly Phase[]): Analysis {
  const list = Array.isArray(phases) ? [...(phases as readonly Phase[])] : [phases as Phase];
  const frames = new Set(list.flatMap((p) => p.frames));
  const streams = new Set(list.map((p) => p.stream));
  return {
    capture: analysis.capture,
    connections: analysis.connections.filter((c) => streams.has(c.stream)),
    messages: analysis.messages.filter((m) => frames.has(m.frame)),
    phases: list,
    packets: analysis.packets.filter((p) => frames.has(p.frame)),
    issues: analysis.issues.filter((i) => frames.has(i.frame)),
  };
}

/**
 * The phases of one kind (optionally in one connection), in the order they
 * began. Throws with a clear message when there is none and `required` is set,
 * so a notebook section says what is missing instead of failing later.
 */
export function phasesOf(analysis: Analysis, kind: PhaseKind, options: { stream?: number } = {}): Phase[] {
  return analysis.phases.filter((p) => p.kind === kind && (options.stream === undefined || p.stream === options.stream));
}

/** The first phase of a kind, or an error naming what the capture holds instead. */
export function firstPhase(analysis: Analysis, kind: PhaseKind, options: { stream?: number } = {}): Phase {
  const found = phasesOf(analysis, kind, options)[0];
  if (found) return found;
  const kinds = [...new Set(analysis.phases.map((p) => p.kind))];
  const where = options.stream === undefined ? "" : ` in tcp.stream ${options.stream}`;
  throw new Error(`the capture has no ${kind} phase${where} (it has: ${kinds.join(", ") || "no phases at all"})`);
}
