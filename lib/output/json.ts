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
import type { ByteBuffer } from "./byte-buffer";

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

// The same JSON written straight into bytes (see byte-buffer.ts): for
// `analyze --format json`, which writes one object per packet, message and
// phase. Byte for byte the UTF-8 of the string versions above (a test checks
// every fixture's packets, messages and phases, and awkward strings).

/** Our own strings, as safe() writes them: quoted raw unless a character needs escaping. */
function writeSafe(value: string, out: ByteBuffer): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c) {
      out.text(str(value));
      return;
    }
  }
  out.byte(0x22);
  out.text(value);
  out.byte(0x22);
}

function writeIntegers(values: readonly number[], out: ByteBuffer): void {
  out.byte(0x5b);
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out.byte(0x2c);
    out.number(values[i]);
  }
  out.byte(0x5d);
}

export function writePacketJson(p: PacketRow, out: ByteBuffer): void {
  out.text('{"frame":');
  out.number(p.frame);
  out.text(',"time":');
  out.number(p.time);
  out.text(',"relativeTime":');
  out.number(p.relativeTime);
  out.text(',"source":');
  writeSafe(p.source, out);
  out.text(',"destination":');
  writeSafe(p.destination, out);
  out.text(',"protocol":');
  writeSafe(p.protocol, out);
  out.text(',"length":');
  out.number(p.length);
  out.text(',"info":');
  out.jsonString(p.info);
  out.text(',"stream":');
  out.number(p.stream);
  if (p.direction !== undefined) {
    out.text(',"direction":"');
    out.text(p.direction);
    out.byte(0x22);
  }
  if (p.phase !== undefined) {
    out.text(',"phase":"');
    out.text(p.phase);
    out.byte(0x22);
  }
  if (p.srcPort !== undefined) {
    out.text(',"srcPort":');
    out.number(p.srcPort);
  }
  if (p.dstPort !== undefined) {
    out.text(',"dstPort":');
    out.number(p.dstPort);
  }
  if (p.seq !== undefined) {
    out.text(',"seq":');
    out.number(p.seq);
  }
  if (p.ack !== undefined) {
    out.text(',"ack":');
    out.number(p.ack);
  }
  if (p.tcpLength !== undefined) {
    out.text(',"tcpLength":');
    out.number(p.tcpLength);
  }
  if (p.tcpFlags !== undefined) {
    out.text(',"tcpFlags":');
    out.number(p.tcpFlags);
  }
  out.byte(0x7d);
}

function writeNumberField(key: string, value: number | undefined, out: ByteBuffer): void {
  if (value === undefined) return;
  out.text(key);
  out.number(value);
}

function writeStringField(key: string, value: string | undefined, out: ByteBuffer): void {
  if (value === undefined) return;
  out.text(key);
  out.jsonString(value);
}

function writeBooleanField(key: string, value: boolean | undefined, out: ByteBuffer): void {
  if (value === undefined) return;
  out.text(key);
  out.text(value ? "true" : "false");
}

/** Rare nested values (will, subscriptions, properties): JSON.stringify's text. */
function writeValueField(key: string, value: unknown, out: ByteBuffer): void {
  if (value === undefined) return;
  out.text(key);
  out.text(str(value));
}

export function writeMessageJson(m: MqttMessage, out: ByteBuffer): void {
  out.text('{"frame":');
  out.number(m.frame);
  if (m.frames !== undefined) {
    out.text(',"frames":');
    writeIntegers(m.frames, out);
  }
  out.text(',"time":');
  out.number(m.time);
  out.text(',"relativeTime":');
  out.number(m.relativeTime);
  out.text(',"stream":');
  out.number(m.stream);
  out.text(',"direction":"');
  out.text(m.direction);
  out.text('","type":"');
  out.text(m.type);
  out.text('","length":');
  out.number(m.length);
  out.text(',"headerLength":');
  out.number(m.headerLength);
  out.text(',"protocolVersion":');
  out.number(m.protocolVersion);
  writeNumberField(',"messageId":', m.messageId, out);
  writeStringField(',"topic":', m.topic, out);
  writeNumberField(',"qos":', m.qos, out);
  writeBooleanField(',"dup":', m.dup, out);
  writeBooleanField(',"retain":', m.retain, out);
  writeNumberField(',"payloadLength":', m.payloadLength, out);
  writeStringField(',"payloadText":', m.payloadText, out);
  writeStringField(',"clientId":', m.clientId, out);
  writeStringField(',"username":', m.username, out);
  writeStringField(',"password":', m.password, out);
  writeNumberField(',"keepalive":', m.keepalive, out);
  writeBooleanField(',"cleanSession":', m.cleanSession, out);
  writeStringField(',"protocolName":', m.protocolName, out);
  writeValueField(',"will":', m.will, out);
  writeNumberField(',"returnCode":', m.returnCode, out);
  writeNumberField(',"reasonCode":', m.reasonCode, out);
  writeBooleanField(',"sessionPresent":', m.sessionPresent, out);
  writeValueField(',"subscriptions":', m.subscriptions, out);
  if (m.granted !== undefined) {
    out.text(',"granted":');
    writeIntegers(m.granted, out);
  }
  writeValueField(',"unsubscriptions":', m.unsubscriptions, out);
  writeValueField(',"properties":', m.properties, out);
  writeStringField(',"malformed":', m.malformed, out);
  out.byte(0x7d);
}

function writeTraffic(t: PhaseTraffic, out: ByteBuffer): void {
  out.text('{"packets":');
  out.number(t.packets);
  out.text(',"bytes":');
  out.number(t.bytes);
  out.text(',"tcpIpBytes":');
  out.number(t.tcpIpBytes);
  out.text(',"mqttHeaderBytes":');
  out.number(t.mqttHeaderBytes);
  out.text(',"payloadBytes":');
  out.number(t.payloadBytes);
  out.byte(0x7d);
}

export function writePhaseJson(p: Phase, out: ByteBuffer): void {
  out.text('{"id":');
  out.number(p.id);
  out.text(',"stream":');
  out.number(p.stream);
  out.text(',"kind":"');
  out.text(p.kind);
  out.text('","status":"');
  out.text(p.status);
  out.text('","start":');
  out.number(p.start);
  out.text(',"end":');
  out.number(p.end);
  out.text(',"relativeStart":');
  out.number(p.relativeStart);
  out.text(',"relativeEnd":');
  out.number(p.relativeEnd);
  out.text(',"startFrame":');
  out.number(p.startFrame);
  out.text(',"endFrame":');
  out.number(p.endFrame);
  out.text(',"frames":');
  writeIntegers(p.frames, out);
  out.text(',"clientToServer":');
  writeTraffic(p.clientToServer, out);
  out.text(',"serverToClient":');
  writeTraffic(p.serverToClient, out);
  out.text(',"steps":[');
  for (let i = 0; i < p.steps.length; i++) {
    const step = p.steps[i];
    out.text(i ? ',{"type":' : '{"type":');
    writeSafe(step.type, out);
    out.text(',"frame":');
    out.number(step.frame);
    out.text(',"time":');
    out.number(step.time);
    out.text(',"relativeTime":');
    out.number(step.relativeTime);
    out.text(',"direction":"');
    out.text(step.direction);
    out.text('"}');
  }
  out.byte(0x5d);
  writeNumberField(',"latency":', p.latency, out);
  if (p.direction !== undefined) {
    out.text(',"direction":"');
    out.text(p.direction);
    out.byte(0x22);
  }
  writeNumberField(',"messageId":', p.messageId, out);
  writeStringField(',"topic":', p.topic, out);
  writeNumberField(',"qos":', p.qos, out);
  writeStringField(',"clientId":', p.clientId, out);
  writeStringField(',"username":', p.username, out);
  writeNumberField(',"keepalive":', p.keepalive, out);
  writeNumberField(',"protocolVersion":', p.protocolVersion, out);
  writeNumberField(',"returnCode":', p.returnCode, out);
  writeNumberField(',"reasonCode":', p.reasonCode, out);
  writeBooleanField(',"sessionPresent":', p.sessionPresent, out);
  writeValueField(',"topics":', p.topics, out);
  if (p.requestedQos !== undefined) {
    out.text(',"requestedQos":');
    writeIntegers(p.requestedQos, out);
  }
  if (p.granted !== undefined) {
    out.text(',"granted":');
    writeIntegers(p.granted, out);
  }
  writeNumberField(',"synToSynAck":', p.synToSynAck, out);
  writeNumberField(',"synAckToAck":', p.synAckToAck, out);
  if (p.initiator !== undefined) {
    out.text(',"initiator":"');
    out.text(p.initiator);
    out.byte(0x22);
  }
  if (p.closedBy !== undefined) {
    out.text(',"closedBy":"');
    out.text(p.closedBy);
    out.byte(0x22);
  }
  writeBooleanField(',"halfClose":', p.halfClose, out);
  out.byte(0x7d);
}
