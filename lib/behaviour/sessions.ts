/**
 * One clientId across connections: the gaps between its attempts (back-off)
 * and connections that overlap (session takeover).
 *
 * - A server that gets a CONNECT for a clientId already connected closes the
 *   older connection [MQTT-3.1.4-2] (MQTT 5: DISCONNECT 0x8E, Session taken
 *   over). Two devices that share one identity take it from each other in a
 *   loop, each going on and offline.
 * - A client that reconnects after a refused or dropped attempt should wait,
 *   longer each time and with jitter (MQTT 5 §4.13 leaves the rate to the
 *   client; a fixed, short period from many devices is a thundering herd).
 */
import { framesFilter, seconds, type Finding } from "./finding";
import { MAX_GAPS, type AttemptOutcome, type ClientState, type StreamState } from "./state";

/** MQTT 5 DISCONNECT reason 0x8E: Session taken over. */
export const REASON_SESSION_TAKEN_OVER = 0x8e;
/**
 * The back-off grows when the median ratio of one gap to the one before is
 * at least this: one long gap among equal ones (a different fault before a
 * retry loop, a capped back-off at its ceiling) does not decide it.
 */
const GROWTH = 1.3;
/** Gaps this close to each other (share of the gap) count as identical: no jitter. */
const JITTER_SHARE = 0.02;

const failedOutcomes: ReadonlySet<AttemptOutcome> = new Set(["refused", "no-connack", "dropped"]);

export function outcomeOf(state: StreamState, stillOpen: boolean): AttemptOutcome {
  if (state.connack && state.connack.code !== 0) return "refused";
  if (state.clientDisconnect) return "clean";
  if (stillOpen) return "open";
  if (!state.connack) return "no-connack";
  return "dropped";
}

function addGap(client: ClientState, gap: ClientState["gaps"][number]): void {
  client.gapCount++;
  if (client.gaps.length < MAX_GAPS) client.gaps.push(gap);
}

/** A CONNECT of this clientId: an overlap with an open connection, or a reconnect after a gap. */
export function noteConnect(client: ClientState, state: StreamState, openStreams: ReadonlyMap<number, StreamState>): void {
  client.attempts++;
  const time = state.connectTime!;
  for (const stream of client.open) {
    const older = openStreams.get(stream);
    if (older && !older.overlappedBy) older.overlappedBy = { stream: state.stream, frame: state.connectFrame!, time, relative: state.connectRelative! };
  }
  if (client.open.size === 0 && client.lastEnded) {
    const last = client.lastEnded;
    addGap(client, { gap: time - last.time, after: last.outcome, fromFrame: last.frame, toFrame: state.connectFrame!, fromStream: last.stream, toStream: state.stream, at: state.connectRelative! });
  }
  client.open.add(state.stream);
}

/** A connection of this clientId ended: a takeover when a newer one overlapped it and the server closed it. */
export function noteClose(client: ClientState, state: StreamState, end: { time: number; relative: number; frame: number; stillOpen: boolean }): Finding[] {
  client.open.delete(state.stream);
  const findings: Finding[] = [];
  const closedAt = state.teardown ?? { time: end.time, relative: end.relative, frame: end.frame, initiator: undefined };
  let outcome = outcomeOf(state, end.stillOpen);
  const newer = state.overlappedBy;
  if (newer && closedAt.time < newer.time) {
    // The close began before the new CONNECT: a reconnect whose teardown the analysis settled late.
    addGap(client, { gap: newer.time - closedAt.time, after: outcome, fromFrame: closedAt.frame, toFrame: newer.frame, fromStream: state.stream, toStream: newer.stream, at: newer.relative });
  } else if (newer) {
    const byServer = state.serverDisconnect?.reasonCode === REASON_SESSION_TAKEN_OVER || closedAt.initiator === "server";
    const evidence = [state.connectFrame!, newer.frame, state.serverDisconnect?.frame ?? closedAt.frame];
    if (byServer || end.stillOpen) {
      client.takeovers++;
      const loop = client.takeovers >= 2;
      const how = state.serverDisconnect?.reasonCode === REASON_SESSION_TAKEN_OVER ? "with DISCONNECT 0x8E (Session taken over)" : `(${closedAt.initiator === "server" ? "the server closed it" : "it was closed"} at frame ${closedAt.frame})`;
      findings.push({
        code: "mqtt.session_takeover",
        severity: end.stillOpen || loop ? "fail" : "warn",
        clientId: client.clientId,
        stream: state.stream,
        streams: [state.stream, newer.stream],
        frames: evidence,
        message: end.stillOpen
          ? `A second connection (stream ${newer.stream}, frame ${newer.frame}) used the clientId of stream ${state.stream} and both stayed open: the server must close the older one [MQTT-3.1.4-2].`
          : `Stream ${newer.stream} connected with the clientId of stream ${state.stream} (frame ${newer.frame}), and the older connection was taken over ${how} [MQTT-3.1.4-2]` +
            (loop
              ? `. This clientId was taken over ${client.takeovers} times: two devices share one identity and knock each other offline in a loop (Alibaba Cloud warns that devices sharing one certificate go on and offline repeatedly).`
              : ". If no other device uses this identity, the device reconnected before it noticed its old connection was dead."),
        filter: framesFilter(evidence),
      });
      outcome = "dropped";
    }
  }
  if (!client.lastEnded || closedAt.time >= client.lastEnded.time) {
    client.lastEnded = { stream: state.stream, time: closedAt.time, relative: closedAt.relative, frame: closedAt.frame, outcome };
  }
  return findings;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** At the end of the capture: the reconnect gaps of a clientId, judged. */
export function backoffFinding(client: ClientState): Finding | undefined {
  if (client.gapCount === 0) return undefined;
  const gaps = [...client.gaps].sort((a, b) => a.at - b.at);
  const afterFailure = gaps.filter((g) => failedOutcomes.has(g.after));
  if (afterFailure.length === 0 && client.attempts < 3) return undefined;
  const judged = afterFailure.length > 0 ? afterFailure : gaps;
  const list = judged.slice(0, 12).map((g) => seconds(g.gap)).join(", ") + (judged.length > 12 ? ", …" : "");
  const frames = [...new Set(judged.flatMap((g) => [g.fromFrame, g.toFrame]))].sort((a, b) => a - b);
  const streams = [...new Set(judged.flatMap((g) => [g.fromStream, g.toStream]))].sort((a, b) => a - b);
  let severity: Finding["severity"] = "info";
  let verdict: string;
  if (afterFailure.length === 0) {
    verdict = `${client.attempts} connections, each after a clean DISCONNECT: gaps ${list}.`;
  } else if (afterFailure.length < 2) {
    verdict = `One reconnect after a ${afterFailure[0]!.after} attempt, ${seconds(afterFailure[0]!.gap)} later: too few to judge the back-off.`;
  } else {
    const mean = afterFailure.reduce((sum, g) => sum + g.gap, 0) / afterFailure.length;
    const ratios = afterFailure.slice(1).map((g, i) => g.gap / Math.max(afterFailure[i]!.gap, 0.001));
    const grows = median(ratios) >= GROWTH;
    const sameRatio = ratios.every((r) => Math.abs(r - ratios[0]!) <= JITTER_SHARE * ratios[0]!);
    const sameGap = afterFailure.every((g) => Math.abs(g.gap - mean) <= Math.max(JITTER_SHARE * mean, 0.01));
    if (!grows) {
      severity = "fail";
      verdict = `${afterFailure.length} reconnects after refused or dropped attempts with no back-off (gaps ${list}${sameGap ? ", all the same: no jitter either" : ""}). Wait longer after each failure, with random jitter, or a fleet reconnects in step and floods the broker.`;
    } else if (afterFailure.length >= 3 && sameRatio) {
      severity = "warn";
      verdict = `The back-off grows (gaps ${list}) but by exactly ×${ratios[0]!.toFixed(2)} each time: no jitter, so devices that failed together retry together.`;
    } else {
      verdict = `The back-off grows (gaps ${list}).`;
    }
  }
  return {
    code: "mqtt.reconnect_backoff",
    severity,
    clientId: client.clientId,
    stream: streams[0] ?? 0,
    streams,
    frames,
    message: `Client ${JSON.stringify(client.clientId)} connected ${client.attempts} times. ${verdict} (MQTT 5 §4.13 leaves the retry rate to the client.)`,
    filter: /^[\x20-\x7e]*$/.test(client.clientId) ? `mqtt.msgtype == 1 && mqtt.clientid == ${JSON.stringify(client.clientId)}` : framesFilter(frames),
    data: { gaps: judged.map((g) => g.gap), gapTimes: judged.map((g) => g.at), count: client.gapCount },
  };
}
