/**
 * The analysis pipeline, one frame at a time:
 *
 *   frame → link layer → IPv4/IPv6 → TCP → connection (tcp.stream)
 *         → reassembly → MQTT framing → mqtt-packet → messages → phases
 *
 * The Analyzer is a synchronous push engine: the capture reader calls
 * `frame()` for each record, and results go out through an AnalysisSink as
 * they are known. Nothing is kept per packet; per connection, only what an
 * open connection needs, released when it closes, leaving a small record
 * (closed-connection.ts) for late segments for a while. That is what keeps
 * memory bounded by the number of connections open (or lately closed) rather
 * than the file size.
 */
import { readFileSync } from "node:fs";
import type { FrameAnnotatorSpec } from "../capture/annotations";
import type { CaptureInfo, Frame } from "../capture/frame";
import { linkTypeName } from "../capture/frame";
import type { FrameSink } from "../capture/reader";
import { etherTypeNames } from "../layers/ethernet";
import { decodeToTcp, emptyTcpWalk, TcpWalkStop, type TcpWalk } from "../layers/decode-to-tcp";
import { formatIpv4, IpProtocol, type Ipv4Header } from "../layers/ipv4";
import { formatIpv6, type Ipv6Header } from "../layers/ipv6";
import { decodeTcpOptions, TcpFlag, type TcpHeader } from "../layers/tcp";
import { tcpFlagsText, tcpOptionsText } from "../layers/tcp-info";
import { decodeUdp } from "../layers/udp";
import { DecodedAhead } from "../mqtt/decoded-ahead";
import { messageInfo } from "../mqtt/message";
import { defaultReassemblyLimits, type ReassemblyLimits } from "../tcp/reassembly";
import { ConnectionTable } from "../tcp/connection-table";
import { decideRoles } from "../tcp/roles";
import { hashAddressWords, readAddressWords, tupleKey, type Address } from "../tcp/tuple-key";
import { ClosedConnection } from "./closed-connection";
import { decodedAheadFor, mqttReadAhead } from "./read-ahead";
import { StreamProtocolTable } from "../tcp/stream-consumer";
import { KeyLog } from "../tls/keylog";
import { mqttProtocol } from "./mqtt-layer";
import type { LayerHost } from "./stream-layer";
import { tlsProtocol } from "./tls-layer";
import { webSocketProtocol } from "./websocket-layer";
import { TcpConnection, type ConnectionListener, type ConnectionOptions, type SegmentResult } from "./connection";
import { makeIssue, type Issue, type IssueCode } from "../expert/issues";
import type { CaptureSummary, ConnectionSummary, MqttMessage, PacketRow, Phase, StreamProtocol } from "./types";

export interface AnalyzeOptions {
  /** Extra ports that carry plain MQTT (1883 always does). */
  mqttPorts?: number[];
  /** Ports that carry TLS (default [8883]); any port is also recognised by a ClientHello. */
  tlsPorts?: number[];
  /**
   * Path of an NSS key log (SSLKEYLOGFILE / NODE_OPTIONS=--tls-keylog=FILE) to
   * decrypt TLS with. Secrets in a pcapng's Decryption Secrets Blocks are
   * read without it. A key log is a secret: it is never echoed in output.
   */
  tlsKeylog?: string;
  /** Recognise MQTT on other ports by a CONNECT at the start of a stream (default true). */
  heuristics?: boolean;
  /** Replace CONNECT passwords with "<redacted N bytes>" (for sharing results). */
  redactPasswords?: boolean;
  /** MQTT protocol level for streams whose CONNECT was not captured (default 4, i.e. 3.1.1). */
  defaultMqttVersion?: 3 | 4 | 5;
  /** MQTT packets longer than this are skipped rather than assembled (default 16 MiB). */
  maxPacketLength?: number;
  /** Bounds on out-of-order buffering per direction. */
  reassemblyLimits?: ReassemblyLimits;
  /** Seconds a closed connection's 4-tuple is remembered for late packets (default 120). */
  closedConnectionMemory?: number;
}

/** Receives results as they are known. Omit what you do not need: it is then not built. */
export interface AnalysisSink {
  capture?(info: CaptureInfo): void;
  packet?(row: PacketRow): void;
  message?(message: MqttMessage): void;
  phase?(phase: Phase): void;
  connection?(connection: ConnectionSummary): void;
  issue?(issue: Issue): void;
}

export const DEFAULT_MQTT_PORT = 1883;
export const DEFAULT_MQTT_TLS_PORT = 8883;
/** pcapng Decryption Secrets Block type of a TLS key log ("TLSK", pcapng §4.7). */
export const TLS_KEY_LOG_SECRETS = 0x544c534b;

const SWEEP_EVERY_FRAMES = 1 << 16;

/** What the connection table holds per 4-tuple: an open connection, or what is kept of a closed one. */
type TupleEntry = TcpConnection | ClosedConnection;

export class Analyzer implements FrameSink, ConnectionListener {
  /** Frames are decoded and dropped: readers may reuse one Frame object. */
  readonly transientFrames = true;
  /**
   * Reading options that have a threaded reader decode whole MQTT packets
   * ahead for us (read-ahead.ts): pass them to readCapture with this analyzer.
   */
  readonly readAhead: FrameAnnotatorSpec;
  /** Points at the current frame's packets decoded ahead, when it has some. */
  private readonly decodedAhead = new DecodedAhead();
  private readonly sink: AnalysisSink;
  private readonly wantPackets: boolean;
  private readonly mqttPorts: Set<number>;
  private readonly tlsPorts: Set<number>;
  private readonly heuristics: boolean;
  private readonly protocols: StreamProtocolTable<StreamProtocol, LayerHost>;
  /** TLS secrets: the --tls-keylog file and the capture's Decryption Secrets Blocks. */
  private keyLog: KeyLog | undefined;
  private readonly connectionOptions: ConnectionOptions;
  private readonly closedMemory: number;
  /** Connections by 4-tuple: open ones, and closed ones remembered for late segments. */
  private readonly table = new ConnectionTable<TupleEntry>();
  private nextStream = 0;
  private phaseIdCounter = 0;
  private readonly srcWords = new Uint32Array(4);
  // Headers reused for every frame (nothing keeps them past the frame).
  private readonly walk = emptyTcpWalk();
  private readonly dstWords = new Uint32Array(4);
  private readonly unsupportedLinkTypes = new Set<number>();
  private captureInfo: CaptureInfo | undefined;
  private firstSeconds = -1;
  private firstNanos = 0;
  private frames = 0;
  private bytes = 0;
  private startTime: number | undefined;
  private endTime: number | undefined;
  private lastRelative = 0;
  /** Seconds since the first frame, of the frame being decoded. */
  private currentRelative = 0;
  private messageCount = 0;
  private phaseCount = 0;
  private connectionCount = 0;
  readonly issueCounts: Record<string, number> = {};
  private finished = false;

  constructor(options: AnalyzeOptions = {}, sink: AnalysisSink = {}) {
    this.sink = sink;
    this.wantPackets = typeof sink.packet === "function";
    this.mqttPorts = new Set([DEFAULT_MQTT_PORT, ...(options.mqttPorts ?? [])]);
    this.tlsPorts = new Set(options.tlsPorts ?? [DEFAULT_MQTT_TLS_PORT]);
    for (const port of this.mqttPorts) this.tlsPorts.delete(port);
    this.heuristics = options.heuristics ?? true;
    if (options.tlsKeylog !== undefined) this.readKeyLog(options.tlsKeylog);
    const maxPacketLength = options.maxPacketLength ?? 16 * 1024 * 1024;
    // Which protocol runs on a stream, as data (see tcp/stream-consumer.ts):
    // TLS on its ports or by a ClientHello, plain MQTT on its ports and, with
    // heuristics, on any port whose client opens with a CONNECT, WebSocket by
    // its HTTP Upgrade. The layers pick what they carry from the same table.
    this.protocols = new StreamProtocolTable<StreamProtocol, LayerHost>()
      .register(tlsProtocol([...this.tlsPorts], (random) => this.keyLog?.lookup(random)))
      .register(mqttProtocol([...this.mqttPorts], this.heuristics, maxPacketLength))
      .register(webSocketProtocol());
    this.closedMemory = options.closedConnectionMemory ?? 120;
    this.connectionOptions = {
      redactPasswords: options.redactPasswords ?? false,
      defaultMqttVersion: options.defaultMqttVersion ?? 4,
      maxPacketLength,
      reassemblyLimits: options.reassemblyLimits ?? defaultReassemblyLimits,
      protocols: this.protocols,
    };
    this.readAhead = mqttReadAhead(this.connectionOptions.defaultMqttVersion);
  }

  // FrameSink -----------------------------------------------------------------

  info(info: CaptureInfo): void {
    this.captureInfo = info;
    this.sink.capture?.(info);
  }

  issue(issue: Issue): void {
    this.issueCounts[issue.code] = (this.issueCounts[issue.code] ?? 0) + 1;
    this.sink.issue?.(issue);
  }

  /** Decryption secrets carried by the capture (pcapng DSB): a TLS key log is added to the one given. */
  secrets(type: number, data: Uint8Array): void {
    if (type !== TLS_KEY_LOG_SECRETS) return;
    this.addKeyLog(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("latin1"), "the capture's Decryption Secrets Block");
  }

  private readKeyLog(path: string): void {
    let text: string;
    try {
      text = readFileSync(path, "latin1");
    } catch (error) {
      this.report("tls.keylog", 0, `The TLS key log ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): TLS is not decrypted`);
      return;
    }
    this.addKeyLog(text, `the key log ${path}`);
  }

  /** Adds key log lines; bad lines are counted in one issue that names line numbers only (a key log is a secret). */
  private addKeyLog(text: string, where: string): void {
    const keyLog = (this.keyLog ??= new KeyLog());
    const before = keyLog.problems.length;
    keyLog.add(text);
    const bad = keyLog.problems.slice(before);
    if (bad.length > 0) {
      const lines = bad.slice(0, 5).map((p) => p.line).join(", ");
      this.report("tls.keylog", 0, `${bad.length} line(s) of ${where} are not NSS key log lines (line ${lines}${bad.length > 5 ? ", …" : ""}); the other lines are used`);
    }
  }

  frame(frame: Frame): void {
    this.frames++;
    this.bytes += frame.originalLength;
    if (this.firstSeconds < 0) {
      this.firstSeconds = frame.seconds;
      this.firstNanos = frame.nanos;
      this.startTime = frame.time;
    }
    this.endTime = frame.time;
    this.currentRelative = this.relativeTime(frame);
    this.lastRelative = this.currentRelative;
    const ahead = frame.annotations !== undefined ? decodedAheadFor(frame, this.decodedAhead) : undefined;
    try {
      this.decodeFrame(frame, ahead);
    } catch (error) {
      // A decoder bug must not end the analysis: keep the frame, say what failed.
      this.issue(makeIssue("frame.decode_failure", frame.frame, `Decoding frame ${frame.frame} failed unexpectedly: ${(error as Error).message}`));
      if (this.wantPackets) this.emitRow(frame, "", "", "DecodeFailure", "Decoding failed; see issues", -1);
    }
    ahead?.end();
    if ((this.frames & (SWEEP_EVERY_FRAMES - 1)) === 0) this.forgetClosedConnections(frame.time);
  }

  /** Frames read so far. */
  get frameCount(): number {
    return this.frames;
  }

  // ConnectionListener ----------------------------------------------------------

  message(message: MqttMessage): void {
    this.messageCount++;
    this.sink.message?.(message);
  }

  phase(phase: Phase): void {
    this.phaseCount++;
    this.sink.phase?.(phase);
  }

  connection(summary: ConnectionSummary): void {
    this.sink.connection?.(summary);
  }

  nextPhaseId(): number {
    return this.phaseIdCounter++;
  }

  /** End of capture: finish every open connection and return the summary. */
  finish(source?: string): CaptureSummary {
    if (!this.finished) {
      this.finished = true;
      const open: TcpConnection[] = [];
      for (const entry of this.table.entries()) if (entry instanceof TcpConnection) open.push(entry);
      open.sort((a, b) => a.stream - b.stream);
      for (const connection of open) connection.finish();
      this.table.clear();
    }
    const info: CaptureInfo = this.captureInfo ?? { format: "pcap", byteOrder: "little-endian", timestampPrecision: "microseconds", version: "", interfaces: [] };
    const summary: CaptureSummary = {
      ...info,
      frames: this.frames,
      bytes: this.bytes,
      duration: Math.round(this.lastRelative * 1e9) / 1e9,
      connections: this.connectionCount,
      mqttMessages: this.messageCount,
      phases: this.phaseCount,
      issueCounts: { ...this.issueCounts },
    };
    if (source !== undefined) summary.source = source;
    if (this.startTime !== undefined) summary.start = this.startTime;
    if (this.endTime !== undefined) summary.end = this.endTime;
    return summary;
  }

  // Decoding ------------------------------------------------------------------

  private report(code: IssueCode, frame: number, message: string, stream?: number): void {
    this.issue(makeIssue(code, frame, message, stream));
  }

  private decodeFrame(frame: Frame, ahead: DecodedAhead | undefined): void {
    const bytes = frame.bytes;
    const walk = this.walk;
    const stop = decodeToTcp(frame, walk);
    if (stop === TcpWalkStop.tcp) {
      this.onTcp(frame, walk, ahead);
      return;
    }
    const v4 = walk.v4;
    const v6 = walk.v6;
    switch (stop) {
      case TcpWalkStop.unsupportedLink:
        if (!this.unsupportedLinkTypes.has(frame.linkType)) {
          this.unsupportedLinkTypes.add(frame.linkType);
          this.report("link.unsupported", frame.frame, `Link type ${linkTypeName(frame.linkType)} is not decoded; frames of this type are listed but not analysed`);
        }
        if (this.wantPackets) this.emitRow(frame, "", "", linkTypeName(frame.linkType), `${frame.capturedLength} bytes`, -1);
        return;
      case TcpWalkStop.malformedLink: {
        const problem = walk.link!.problem!;
        this.report("link.malformed", frame.frame, problem);
        if (this.wantPackets) this.emitRow(frame, "", "", "Malformed", problem, -1);
        return;
      }
      case TcpWalkStop.notIp:
        if (this.wantPackets) {
          const networkType = walk.link!.networkType;
          const name = etherTypeNames[networkType] ?? (networkType >= 0 && networkType <= 1500 ? "LLC" : `0x${networkType.toString(16).padStart(4, "0")}`);
          this.emitRow(frame, "", "", name, networkType === 0x0806 ? "ARP" : `EtherType ${name}`, -1);
        }
        return;
      case TcpWalkStop.malformedIp: {
        const ip = (v4 ?? v6)!;
        this.report("ip.malformed", frame.frame, ip.problem!);
        if (ip.truncated && frame.capturedLength < frame.originalLength) this.report("frame.truncated", frame.frame, `Packet size limited during capture: ${frame.capturedLength} of ${frame.originalLength} bytes captured`);
        if (this.wantPackets) this.emitRow(frame, this.ipText(v4, v6, bytes, true), this.ipText(v4, v6, bytes, false), v4 ? "IPv4" : "IPv6", `[Malformed Packet: ${ip.problem}]`, -1);
        return;
      }
    }
    // The walk got through IP: what it carries is not TCP (or cannot be decoded).
    const ip = (v4 ?? v6)!;
    if (v4?.lengthNote) this.report("ip.bad_length", frame.frame, v4.lengthNote);
    if (stop === TcpWalkStop.ipFragment) {
      const offset = v4 ? v4.fragmentOffset : v6!.fragmentOffset;
      this.report("ip.fragment", frame.frame, `IP fragment (offset ${offset}); fragments are not reassembled, so its payload is not decoded`);
      if (this.wantPackets) this.emitRow(frame, this.ipText(v4, v6, bytes, true), this.ipText(v4, v6, bytes, false), v4 ? "IPv4" : "IPv6", `Fragmented IP protocol (proto=${ip.protocol}, off=${offset}${v4 ? `, ID=${v4.identification.toString(16).padStart(4, "0")}` : ""})`, -1);
      return;
    }
    if (stop === TcpWalkStop.malformedTcp) {
      const tcp = walk.tcp;
      this.report("tcp.malformed", frame.frame, tcp.problem!);
      if (ip.truncated) this.report("frame.truncated", frame.frame, `Packet size limited during capture: ${frame.capturedLength} of ${frame.originalLength} bytes captured`);
      if (this.wantPackets) this.emitRow(frame, this.ipText(v4, v6, bytes, true), this.ipText(v4, v6, bytes, false), "TCP", `${tcp.srcPort} → ${tcp.dstPort} [Malformed Packet: ${tcp.problem}]`, -1);
      return;
    }
    if (!this.wantPackets) return;
    const src = this.ipText(v4, v6, bytes, true);
    const dst = this.ipText(v4, v6, bytes, false);
    if (ip.protocol === IpProtocol.UDP) {
      const udp = decodeUdp(bytes, ip.payloadStart, ip.payloadEnd);
      this.emitRow(frame, src, dst, "UDP", udp.problem ? `[Malformed Packet: ${udp.problem}]` : `${udp.srcPort} → ${udp.dstPort} Len=${Math.max(udp.length - 8, 0)}`, -1);
    } else if (ip.protocol === IpProtocol.ICMP || ip.protocol === IpProtocol.ICMPv6) {
      const type = ip.payloadStart < ip.payloadEnd ? bytes[ip.payloadStart] : -1;
      this.emitRow(frame, src, dst, ip.protocol === IpProtocol.ICMP ? "ICMP" : "ICMPv6", `type ${type}`, -1);
    } else {
      this.emitRow(frame, src, dst, v4 ? "IPv4" : "IPv6", `IP protocol ${ip.protocol}`, -1);
    }
  }

  private ipText(v4: Ipv4Header | undefined, v6: Ipv6Header | undefined, bytes: Uint8Array, source: boolean): string {
    if (v4) return formatIpv4(source ? v4.src : v4.dst);
    if (v6 && v6.srcOffset + 32 <= bytes.length) return formatIpv6(bytes, source ? v6.srcOffset : v6.dstOffset);
    return "";
  }

  private onTcp(frame: Frame, walk: TcpWalk, ahead: DecodedAhead | undefined): void {
    const bytes = frame.bytes;
    const v4 = walk.v4;
    const v6 = walk.v6;
    if (v4?.lengthNote) this.report("ip.bad_length", frame.frame, v4.lengthNote);
    const tcp = walk.tcp;
    const wireLength = walk.wireLength;
    const payloadStart = walk.payloadStart;
    const payloadEnd = walk.payloadEnd;
    if (payloadEnd - payloadStart < wireLength) {
      this.report("frame.truncated", frame.frame, `Packet size limited during capture: ${payloadEnd - payloadStart} of ${wireLength} TCP payload bytes captured`);
    }

    // Find the connection (numeric hash of the 4-tuple; no strings on the hot path).
    let srcKey: Address;
    let dstKey: Address;
    let hashSrc: number;
    let hashDst: number;
    if (v4) {
      srcKey = v4.src;
      dstKey = v4.dst;
      hashSrc = v4.src;
      hashDst = v4.dst;
    } else {
      const s = this.srcWords;
      const d = this.dstWords;
      readAddressWords(bytes, v6!.srcOffset, s);
      readAddressWords(bytes, v6!.dstOffset, d);
      srcKey = s;
      dstKey = d;
      hashSrc = hashAddressWords(s);
      hashDst = hashAddressWords(d);
    }
    const key = tupleKey(hashSrc, tcp.srcPort, hashDst, tcp.dstPort);
    const hit = this.table.lookup(key, srcKey, tcp.srcPort, dstKey, tcp.dstPort);
    let connection = hit.entry;
    let fromClient = hit.fromClient;
    const synOnly = (tcp.flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN;
    let portsReused = false;
    if (connection && synOnly && connection.isReusedBy(tcp, fromClient)) {
      if (connection instanceof TcpConnection) connection.finish();
      this.table.remove(key, connection);
      this.report("tcp.port_numbers_reused", frame.frame, `A new connection reuses the 4-tuple of tcp.stream ${connection.stream}`, this.nextStream);
      connection = undefined;
      portsReused = true;
    }
    if (!connection) {
      connection = this.open(key, frame, tcp, v4 !== undefined, srcKey, dstKey, bytes, v6);
      fromClient = connection.isClient(srcKey, tcp.srcPort);
    }
    const synOptions = tcp.flags & TcpFlag.SYN ? decodeTcpOptions(bytes, tcp.optionsStart, tcp.payloadStart) : undefined;
    if (connection instanceof ClosedConnection) {
      // A late packet of a closed connection (a retransmitted FIN, a last ACK).
      if (this.wantPackets) this.emitTcpRow(frame, connection, tcp, fromClient, wireLength, connection.lateSegment(tcp, fromClient));
      return;
    }
    const result = connection.segment(frame.frame, frame.time, this.currentRelative, tcp, fromClient, bytes, payloadStart, payloadEnd, wireLength, frame.originalLength, synOptions, ahead);
    // Closed now: keep only what late segments and port reuse need.
    if (connection.released) this.table.replace(key, connection, new ClosedConnection(connection));
    if (portsReused) result.analysisPrefix = `[TCP Port numbers reused] ${result.analysisPrefix}`;
    if (this.wantPackets) this.emitTcpRow(frame, connection, tcp, fromClient, wireLength, result);
  }

  private open(key: number, frame: Frame, tcp: TcpHeader, isV4: boolean, src: Address, dst: Address, bytes: Uint8Array, v6: Ipv6Header | undefined): TcpConnection {
    // Roles: the SYN sender is the client; else the side on a known port is the server.
    const { sourceIsClient, evidence: roles } = decideRoles(tcp.flags, tcp.srcPort, tcp.dstPort, (port) => this.mqttPorts.has(port) || this.tlsPorts.has(port));
    const text = (which: "src" | "dst"): string => (isV4 ? formatIpv4((which === "src" ? src : dst) as number) : formatIpv6(bytes, which === "src" ? v6!.srcOffset : v6!.dstOffset));
    const endpoint = (which: "src" | "dst") => {
      const value = which === "src" ? src : dst;
      return {
        // IPv6 words arrive in a scratch array: keep a copy.
        address: typeof value === "number" ? value : Uint32Array.from(value),
        port: which === "src" ? tcp.srcPort : tcp.dstPort,
        text: text(which),
      };
    };
    const client = endpoint(sourceIsClient ? "src" : "dst");
    const server = endpoint(sourceIsClient ? "dst" : "src");
    let protocol: StreamProtocol | undefined = this.protocols.byPort(server.port)?.name;
    if (protocol === undefined && !this.heuristics) protocol = "TCP";
    const connection = new TcpConnection(this.nextStream++, isV4 ? 4 : 6, client, server, roles, protocol, frame.frame, frame.time, this, this.connectionOptions);
    this.connectionCount++;
    this.table.add(key, connection);
    return connection;
  }

  /** Drop closed connections whose 4-tuple has been quiet for a while (bounds memory). */
  private forgetClosedConnections(now: number): void {
    const horizon = now - this.closedMemory;
    this.table.sweep((entry) => entry instanceof ClosedConnection && entry.lastTime < horizon);
  }

  // Packet rows -----------------------------------------------------------------

  private relativeTime(frame: Frame): number {
    return frame.seconds - this.firstSeconds + (frame.nanos - this.firstNanos) / 1e9;
  }

  private emitRow(frame: Frame, source: string, destination: string, protocol: string, info: string, stream: number): void {
    this.sink.packet!({
      frame: frame.frame,
      time: frame.time,
      relativeTime: this.currentRelative,
      source,
      destination,
      protocol,
      length: frame.originalLength,
      info,
      stream,
    });
  }

  private emitTcpRow(frame: Frame, connection: TupleEntry, tcp: TcpHeader, fromClient: boolean, wireLength: number, result: SegmentResult): void {
    let protocol = "TCP";
    let info: string;
    if (result.messages.length > 0) {
      protocol = "MQTT";
      const messages = result.messages;
      // Over WebSocket, Wireshark's Info for the frame first (as its column reads for WebSocket), then the MQTT.
      info = result.analysisPrefix + (result.layerLabels.length > 0 ? layerInfo(result, "WebSocket", ", ") : "") + messageInfo(messages[0]);
      for (let i = 1; i < messages.length; i++) info += ", " + messageInfo(messages[i]);
    } else if (result.layerLabels.length > 0) {
      // The top layer that ended a unit here names the row, as in Wireshark (HTTP over WebSocket's TLS, …).
      const protocols = result.layerProtocols;
      protocol = protocols.includes("HTTP") ? "HTTP" : protocols.includes("WebSocket") ? "WebSocket" : protocols[protocols.length - 1];
      info = result.analysisPrefix + layerInfo(result, protocol, "");
    } else if (result.partialPdu) {
      info = `${result.analysisPrefix}[TCP segment of a reassembled PDU]`;
    } else {
      const flags = tcp.flags;
      let text = `${result.analysisPrefix}${tcp.srcPort} → ${tcp.dstPort} [${tcpFlagsText(flags)}] Seq=${result.relativeSeq}`;
      if (flags & TcpFlag.ACK) text += ` Ack=${result.relativeAck}`;
      text += ` Win=${result.window} Len=${wireLength}`;
      if (tcp.payloadStart > tcp.optionsStart) {
        // SACK edges are relative to the other side's sequence numbers.
        text += tcpOptionsText(frame.bytes, tcp.optionsStart, tcp.payloadStart, connection.sequenceBase(!fromClient));
      }
      info = text;
    }
    const row: PacketRow = {
      frame: frame.frame,
      time: frame.time,
      relativeTime: this.currentRelative,
      source: fromClient ? connection.clientText : connection.serverText,
      destination: fromClient ? connection.serverText : connection.clientText,
      protocol,
      length: frame.originalLength,
      info,
      stream: connection.stream,
      direction: fromClient ? "client->server" : "server->client",
      srcPort: tcp.srcPort,
      dstPort: tcp.dstPort,
      seq: result.relativeSeq,
      ack: result.relativeAck,
      tcpLength: wireLength,
      tcpFlags: tcp.flags,
    };
    if (result.phase) row.phase = result.phase;
    this.sink.packet!(row);
  }
}

/** The labels of one layer's units in the row's frame, joined as Wireshark's Info column joins them. */
function layerInfo(result: SegmentResult, protocol: string, suffix: string): string {
  let text = "";
  for (let i = 0; i < result.layerLabels.length; i++) {
    if (result.layerProtocols[i] !== protocol) continue;
    text += (text === "" ? "" : ", ") + result.layerLabels[i];
  }
  return text === "" ? "" : text + suffix;
}
