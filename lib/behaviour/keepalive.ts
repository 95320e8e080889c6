/**
 * Keep-alive: the client must send a control packet at least every keep-alive
 * seconds [MQTT-3.1.2-23], and the server must close the connection after
 * 1.5× that without one [MQTT-3.1.2-24] (MQTT 5: DISCONNECT 0x8D, Keep Alive
 * timeout, may come first).
 */
import type { MqttMessage } from "../analysis/types";
import { framesFilter, seconds, type Finding } from "./finding";
import type { StreamState } from "./state";

/** A server close counts as the keep-alive timeout from this share of 1.5× keep-alive (brokers check on a timer). */
const TIMEOUT_CLOSE_SHARE = 0.9;
/** MQTT 5 DISCONNECT reason 0x8D: Keep Alive timeout. */
export const REASON_KEEPALIVE_TIMEOUT = 0x8d;
/**
 * A silence is reported from 1.1× the keep-alive: clients schedule PINGREQ on
 * a timer, and a few milliseconds past the keep-alive is timer jitter, not a
 * fault. From 1.1× to 1.5× the server's deadline is nearly broken (warn).
 */
const SILENCE_SLACK = 1.1;

/** A client packet: the silence before it is measured. */
export function noteClientPacket(state: StreamState, m: MqttMessage): void {
  if (state.lastClientTime !== undefined && state.lastClientFrame !== undefined) measureSilence(state, m.time, m.relativeTime, m.frame);
  state.lastClientTime = m.time;
  state.lastClientFrame = m.frame;
}

function measureSilence(state: StreamState, until: number, untilRelative: number, frame: number): void {
  const gap = until - state.lastClientTime!;
  if (!state.longest || gap > state.longest.gap) state.longest = { gap, start: untilRelative - gap, fromFrame: state.lastClientFrame!, toFrame: frame };
}

/** The connection ended: its last silence, and the two keep-alive findings. */
export function keepaliveFindings(state: StreamState, end: { time: number; relative: number; frame: number }): Finding[] {
  const findings: Finding[] = [];
  const keepalive = state.keepalive;
  if (!keepalive || state.lastClientTime === undefined) return findings;
  // The silence up to the close (or to a server DISCONNECT, or the capture's end).
  // Ends at the first of: a server DISCONNECT, the first FIN/RST, the connection's last frame.
  const closer = state.serverDisconnect ?? state.teardown;
  const tailEnd = closer && closer.time < end.time ? { time: closer.time, relative: end.relative - (end.time - closer.time), frame: closer.frame } : end;
  if (tailEnd.time > state.lastClientTime && (state.clientDisconnect === undefined || state.clientDisconnect.frame > tailEnd.frame)) {
    measureSilence(state, tailEnd.time, tailEnd.relative, tailEnd.frame);
  }
  const longest = state.longest;
  const clientId = state.clientId ?? null;
  if (longest && longest.gap > SILENCE_SLACK * keepalive) {
    const deadline = 1.5 * keepalive;
    const broken = longest.gap > deadline;
    findings.push({
      code: "mqtt.keepalive_exceeded",
      severity: broken ? "fail" : "warn",
      clientId,
      stream: state.stream,
      frames: [longest.fromFrame, longest.toFrame],
      message:
        `The client sent nothing for ${seconds(longest.gap)} (frames ${longest.fromFrame}→${longest.toFrame}) with a keep-alive of ${keepalive} s: ` +
        (broken
          ? `past the server's 1.5× deadline of ${seconds(deadline)} [MQTT-3.1.2-24]. A client must send a packet (PINGREQ when idle) within the keep-alive [MQTT-3.1.2-23].`
          : `within the server's 1.5× deadline of ${seconds(deadline)} [MQTT-3.1.2-24], but later than the keep-alive the client must keep [MQTT-3.1.2-23].`),
      filter: framesFilter([longest.fromFrame, longest.toFrame], state.stream),
      data: { keepalive, silence: longest.gap, silenceStart: longest.start },
    });
  }
  // Closed by the server (FIN/RST, or MQTT 5 DISCONNECT 0x8D) after 1.5× keep-alive of silence.
  const serverClosed = state.teardown?.initiator === "server" || state.serverDisconnect?.reasonCode === REASON_KEEPALIVE_TIMEOUT;
  if (serverClosed && state.clientDisconnect === undefined) {
    const closeFrame = state.serverDisconnect?.frame ?? state.teardown!.frame;
    const closeTime = state.serverDisconnect?.time ?? state.teardown!.time;
    const silent = closeTime - state.lastClientTime;
    if (silent >= TIMEOUT_CLOSE_SHARE * 1.5 * keepalive) {
      findings.push({
        code: "mqtt.keepalive_timeout_close",
        severity: "fail",
        clientId,
        stream: state.stream,
        frames: [state.lastClientFrame!, closeFrame],
        message: `The server closed the connection at frame ${closeFrame}, ${seconds(silent)} after the client's last packet (frame ${state.lastClientFrame}): 1.5× the keep-alive of ${keepalive} s is ${seconds(1.5 * keepalive)}, so this is the keep-alive timeout [MQTT-3.1.2-24], not a broker fault. The device must send PINGREQ when it has nothing else to send [MQTT-3.1.2-23].`,
        filter: framesFilter([state.lastClientFrame!, closeFrame], state.stream),
        data: { keepalive, silence: silent },
      });
    }
  }
  return findings;
}
