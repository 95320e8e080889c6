/**
 * JSON text for packets, messages and phases, written by hand straight into
 * bytes (see byte-buffer.ts): `analyze --format json` writes one object per
 * packet, message and phase, and on a million-packet capture JSON.stringify
 * of them was a third of the run. The text is what JSON.stringify writes for
 * the same object with its keys in this order (a test checks that byte for
 * byte on every fixture capture and on awkward strings and numbers). Fields
 * that are undefined are left out, as JSON.stringify does.
 */
import type { MqttMessage, PacketRow, Phase, PhaseTraffic } from "../analysis/types";
import { textOf, type ByteBuffer } from "./byte-buffer";

const str = JSON.stringify;

/** One packet-list row as JSON text. */
export function packetJson(p: PacketRow): string {
  return textOf(writePacketJson, p);
}

/** One MQTT message as JSON text. */
export function messageJson(m: MqttMessage): string {
  return textOf(writeMessageJson, m);
}

/** One phase as JSON text. */
export function phaseJson(p: Phase): string {
  return textOf(writePhaseJson, p);
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
  out.jsonString(p.source);
  out.text(',"destination":');
  out.jsonString(p.destination);
  out.text(',"protocol":');
  out.jsonString(p.protocol);
  out.text(',"length":');
  out.number(p.length);
  out.text(',"info":');
  out.jsonString(p.info);
  out.text(',"stream":');
  out.number(p.stream);
  writeNameField(',"direction":', p.direction, out);
  writeNameField(',"phase":', p.phase, out);
  writeNumberField(',"srcPort":', p.srcPort, out);
  writeNumberField(',"dstPort":', p.dstPort, out);
  writeNumberField(',"seq":', p.seq, out);
  writeNumberField(',"ack":', p.ack, out);
  writeNumberField(',"tcpLength":', p.tcpLength, out);
  writeNumberField(',"tcpFlags":', p.tcpFlags, out);
  out.byte(0x7d);
}

function writeNumberField(key: string, value: number | undefined, out: ByteBuffer): void {
  if (value === undefined) return;
  out.text(key);
  out.number(value);
}

/** Our own names (directions, phase kinds, statuses): ASCII that never needs escaping. */
function writeNameField(key: string, value: string | undefined, out: ByteBuffer): void {
  if (value === undefined) return;
  out.text(key);
  out.byte(0x22);
  out.text(value);
  out.byte(0x22);
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
  writeBooleanField(',"truncated":', m.truncated, out);
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
  writeNumberField(',"layerBytes":', t.layerBytes, out);
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
    out.jsonString(step.type);
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
  writeNameField(',"direction":', p.direction, out);
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
  writeNameField(',"initiator":', p.initiator, out);
  writeNameField(',"closedBy":', p.closedBy, out);
  writeBooleanField(',"halfClose":', p.halfClose, out);
  writeValueField(',"tls":', p.tls, out);
  writeValueField(',"websocket":', p.websocket, out);
  out.byte(0x7d);
}
