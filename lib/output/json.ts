/**
 * JSON text for packets, messages and phases, written by hand: on a
 * million-packet capture JSON.stringify of these objects was a third of the
 * `analyze --format json` run. Each function produces the same value as
 * JSON.stringify (a test parses both and compares them, on every capture);
 * only the order of keys may differ. Fields that are undefined are left out,
 * as JSON.stringify does; strings that could hold any character (Info text,
 * topics, client ids) go through JSON.stringify, the rest are known-safe.
 */
import type { MqttMessage, PacketRow, Phase, PhaseTraffic } from "../analysis/types";

const str = JSON.stringify;

export function packetJson(p: PacketRow): string {
  let s = `{"frame":${p.frame},"time":${p.time},"relativeTime":${p.relativeTime},"source":${safe(p.source)},"destination":${safe(p.destination)},"protocol":${safe(p.protocol)},"length":${p.length},"info":${str(p.info)},"stream":${p.stream}`;
  if (p.direction !== undefined) s += `,"direction":"${p.direction}"`;
  if (p.phase !== undefined) s += `,"phase":"${p.phase}"`;
  if (p.srcPort !== undefined) s += `,"srcPort":${p.srcPort}`;
  if (p.dstPort !== undefined) s += `,"dstPort":${p.dstPort}`;
  if (p.seq !== undefined) s += `,"seq":${p.seq}`;
  if (p.ack !== undefined) s += `,"ack":${p.ack}`;
  if (p.tcpLength !== undefined) s += `,"tcpLength":${p.tcpLength}`;
  if (p.tcpFlags !== undefined) s += `,"tcpFlags":${p.tcpFlags}`;
  return s + "}";
}

export function messageJson(m: MqttMessage): string {
  let s = `{"frame":${m.frame}`;
  if (m.frames !== undefined) s += `,"frames":[${m.frames.join(",")}]`;
  s += `,"time":${m.time},"relativeTime":${m.relativeTime},"stream":${m.stream},"direction":"${m.direction}","type":"${m.type}","length":${m.length},"headerLength":${m.headerLength},"protocolVersion":${m.protocolVersion}`;
  if (m.messageId !== undefined) s += `,"messageId":${m.messageId}`;
  if (m.topic !== undefined) s += `,"topic":${str(m.topic)}`;
  if (m.qos !== undefined) s += `,"qos":${m.qos}`;
  if (m.dup !== undefined) s += `,"dup":${m.dup}`;
  if (m.retain !== undefined) s += `,"retain":${m.retain}`;
  if (m.payloadLength !== undefined) s += `,"payloadLength":${m.payloadLength}`;
  if (m.payloadText !== undefined) s += `,"payloadText":${str(m.payloadText)}`;
  if (m.clientId !== undefined) s += `,"clientId":${str(m.clientId)}`;
  if (m.username !== undefined) s += `,"username":${str(m.username)}`;
  if (m.password !== undefined) s += `,"password":${str(m.password)}`;
  if (m.keepalive !== undefined) s += `,"keepalive":${m.keepalive}`;
  if (m.cleanSession !== undefined) s += `,"cleanSession":${m.cleanSession}`;
  if (m.protocolName !== undefined) s += `,"protocolName":${str(m.protocolName)}`;
  if (m.will !== undefined) s += `,"will":${str(m.will)}`;
  if (m.returnCode !== undefined) s += `,"returnCode":${m.returnCode}`;
  if (m.reasonCode !== undefined) s += `,"reasonCode":${m.reasonCode}`;
  if (m.sessionPresent !== undefined) s += `,"sessionPresent":${m.sessionPresent}`;
  if (m.subscriptions !== undefined) s += `,"subscriptions":${str(m.subscriptions)}`;
  if (m.granted !== undefined) s += `,"granted":[${m.granted.join(",")}]`;
  if (m.unsubscriptions !== undefined) s += `,"unsubscriptions":${str(m.unsubscriptions)}`;
  if (m.properties !== undefined) s += `,"properties":${str(m.properties)}`;
  if (m.malformed !== undefined) s += `,"malformed":${str(m.malformed)}`;
  return s + "}";
}

function traffic(t: PhaseTraffic): string {
  return `{"packets":${t.packets},"bytes":${t.bytes},"tcpIpBytes":${t.tcpIpBytes},"mqttHeaderBytes":${t.mqttHeaderBytes},"payloadBytes":${t.payloadBytes}}`;
}

export function phaseJson(p: Phase): string {
  let s = `{"id":${p.id},"stream":${p.stream},"kind":"${p.kind}","status":"${p.status}","start":${p.start},"end":${p.end},"relativeStart":${p.relativeStart},"relativeEnd":${p.relativeEnd},"startFrame":${p.startFrame},"endFrame":${p.endFrame},"frames":[${p.frames.join(",")}],"clientToServer":${traffic(p.clientToServer)},"serverToClient":${traffic(p.serverToClient)},"steps":[`;
  for (let i = 0; i < p.steps.length; i++) {
    const step = p.steps[i];
    s += `${i ? "," : ""}{"type":${safe(step.type)},"frame":${step.frame},"time":${step.time},"relativeTime":${step.relativeTime},"direction":"${step.direction}"}`;
  }
  s += "]";
  if (p.latency !== undefined) s += `,"latency":${p.latency}`;
  if (p.direction !== undefined) s += `,"direction":"${p.direction}"`;
  if (p.messageId !== undefined) s += `,"messageId":${p.messageId}`;
  if (p.topic !== undefined) s += `,"topic":${str(p.topic)}`;
  if (p.qos !== undefined) s += `,"qos":${p.qos}`;
  if (p.clientId !== undefined) s += `,"clientId":${str(p.clientId)}`;
  if (p.username !== undefined) s += `,"username":${str(p.username)}`;
  if (p.keepalive !== undefined) s += `,"keepalive":${p.keepalive}`;
  if (p.protocolVersion !== undefined) s += `,"protocolVersion":${p.protocolVersion}`;
  if (p.returnCode !== undefined) s += `,"returnCode":${p.returnCode}`;
  if (p.reasonCode !== undefined) s += `,"reasonCode":${p.reasonCode}`;
  if (p.sessionPresent !== undefined) s += `,"sessionPresent":${p.sessionPresent}`;
  if (p.topics !== undefined) s += `,"topics":${str(p.topics)}`;
  if (p.requestedQos !== undefined) s += `,"requestedQos":[${p.requestedQos.join(",")}]`;
  if (p.granted !== undefined) s += `,"granted":[${p.granted.join(",")}]`;
  if (p.synToSynAck !== undefined) s += `,"synToSynAck":${p.synToSynAck}`;
  if (p.synAckToAck !== undefined) s += `,"synAckToAck":${p.synAckToAck}`;
  if (p.initiator !== undefined) s += `,"initiator":"${p.initiator}"`;
  if (p.closedBy !== undefined) s += `,"closedBy":"${p.closedBy}"`;
  if (p.halfClose !== undefined) s += `,"halfClose":${p.halfClose}`;
  return s + "}";
}

/** Strings we build ourselves (addresses, protocol names, step names) need escaping only in theory: check cheaply. */
function safe(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c) return str(value);
  }
  return `"${value}"`;
}
