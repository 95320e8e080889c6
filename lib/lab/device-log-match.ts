/**
 * The console's Device Log beside the packets: each entry of the platform's
 * device log (lib/platform/device-log.ts) paired with the frame it records.
 *
 * The platform writes an entry when it acts on a packet, so each kind of entry
 * has one kind of frame:
 *
 *   online          the accepting CONNACK (the platform logs "online" as it sends it)
 *   login-refused   the refusing CONNACK (return code ≠ 0)
 *   subscribe       the SUBACK, one entry per topic filter; the SUBSCRIBE is the request
 *   unsubscribe     the UNSUBACK; the UNSUBSCRIBE is the request
 *   upstream        the device's PUBLISH (topic, Packet Identifier, payload size)
 *   downstream      the platform's PUBLISH to the device ("failed" entries were never sent)
 *   offline         the DISCONNECT, or else the first FIN or RST of the connection
 *
 * The connection is found by the client's address and port (the log's
 * clientIp/clientPort are the device's side of tcp.stream), the frame by type,
 * direction, topic and Packet Identifier, and among what is left by the
 * nearest time. Both clocks are this machine's, so offsets are normally a few
 * milliseconds: the log's time is taken after the packet was handled, its
 * resolution is 1 ms, the capture's 1 µs.
 */
import type { DeviceLogEntry } from "../device/log-entry";
import type { Column } from "../output/columns";
import type { Analysis, ConnectionSummary, Direction, MqttMessage, PacketRow } from "../analysis/types";

export interface DeviceLogMatch {
  entry: DeviceLogEntry;
  /** The frame the entry records (the response for subscribe/unsubscribe). */
  frame?: number;
  /** The request the frame answers: SUBSCRIBE or UNSUBSCRIBE. */
  requestFrame?: number;
  /** tcp.stream of the device's connection. */
  stream?: number;
  /** MQTT packet type of `frame`, or "TCP FIN" / "TCP RST" for a connection closed without DISCONNECT. */
  messageType?: string;
  /** Seconds: the log entry's time minus the frame's (positive when the log came after). */
  timeOffset?: number;
  /** Why there is no frame, or something worth knowing about the pair. */
  note?: string;
}

export interface MatchDeviceLogOptions {
  /** Offsets larger than this (seconds) get a note: different clocks, or the wrong capture? Default 1. */
  warnOffset?: number;
}

/** "::ffff:127.0.0.1" (an IPv4 client of a dual-stack socket) is 127.0.0.1 on the wire. */
function normalizeAddress(address: string | undefined): string | undefined {
  if (!address || address === "-") return undefined;
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

const CLOSE_FLAGS = 0x01 | 0x04; // FIN, RST (RFC 9293 §3.1)

interface StreamIndex {
  connection: ConnectionSummary;
  messages: MqttMessage[];
  packets: PacketRow[];
}

/**
 * Pairs each device-log entry with its frame. Entries come back in their own
 * order, one row each; an entry without a frame has a note saying why.
 */
export function matchDeviceLog(analysis: Analysis, entries: readonly DeviceLogEntry[], options: MatchDeviceLogOptions = {}): DeviceLogMatch[] {
  const warnOffset = options.warnOffset ?? 1;
  const streams = new Map<number, StreamIndex>();
  const byPort = new Map<number, StreamIndex[]>();
  for (const connection of analysis.connections) {
    const index: StreamIndex = { connection, messages: [], packets: [] };
    streams.set(connection.stream, index);
    const list = byPort.get(connection.clientPort) ?? [];
    list.push(index);
    byPort.set(connection.clientPort, list);
  }
  for (const message of analysis.messages) streams.get(message.stream)?.messages.push(message);
  for (const packet of analysis.packets) if (packet.stream >= 0) streams.get(packet.stream)?.packets.push(packet);

  /** Frames already paired with a one-to-one entry (two PUBLISH entries never share a frame). */
  const used = new Set<string>();

  const findStream = (entry: DeviceLogEntry): StreamIndex | undefined => {
    const ip = normalizeAddress(entry.clientIp);
    const candidates = (byPort.get(entry.clientPort) ?? []).filter((s) => ip === undefined || s.connection.client === ip);
    if (candidates.length <= 1) return candidates[0];
    // A client port reused over a long capture: the connection open at the entry's time, else the closest one.
    const t = entry.timeMs / 1000;
    const distance = (s: StreamIndex) => (t < s.connection.start ? s.connection.start - t : t > s.connection.end ? t - s.connection.end : 0);
    return candidates.reduce((best, s) => (distance(s) < distance(best) ? s : best));
  };

  const nearest = <T extends { frame: number; time: number }>(items: T[], entry: DeviceLogEntry, kind: string): T | undefined => {
    const t = entry.timeMs / 1000;
    let best: T | undefined;
    for (const item of items) {
      if (used.has(`${kind}:${item.frame}`)) continue;
      if (!best || Math.abs(t - item.time) < Math.abs(t - best.time)) best = item;
    }
    if (best) used.add(`${kind}:${best.frame}`);
    return best;
  };

  return entries.map((entry): DeviceLogMatch => {
    const row: DeviceLogMatch = { entry };
    if (entry.event === "downstream" && entry.status === "failed") {
      row.note = `not sent to the device: ${entry.reason ?? "delivery failed"}`;
      return row;
    }
    const stream = findStream(entry);
    if (!stream) {
      row.note = entry.clientPort > 0 ? `no TCP connection from ${entry.clientIp}:${entry.clientPort} in the capture` : "the entry names no client port";
      return row;
    }
    row.stream = stream.connection.stream;
    const of = (type: string, direction?: Direction) => stream.messages.filter((m) => m.type === type && (direction === undefined || m.direction === direction));
    const code = (m: MqttMessage) => m.returnCode ?? m.reasonCode ?? 0;
    let found: MqttMessage | undefined;
    let closing: PacketRow | undefined;
    switch (entry.event) {
      case "online":
        found = nearest(
          of("CONNACK", "server->client").filter((m) => code(m) === 0),
          entry,
          "connack",
        );
        if (!found) row.note = "no accepting CONNACK in this connection";
        break;
      case "login-refused":
        found = nearest(
          of("CONNACK", "server->client").filter((m) => code(m) !== 0),
          entry,
          "connack",
        );
        if (!found) row.note = "no refusing CONNACK in this connection";
        break;
      case "subscribe":
      case "unsubscribe": {
        const [request, response] = entry.event === "subscribe" ? ["SUBSCRIBE", "SUBACK"] : ["UNSUBSCRIBE", "UNSUBACK"];
        const sameId = (m: MqttMessage) => entry.messageId === undefined || m.messageId === entry.messageId;
        const requests = of(request, "client->server").filter(
          (m) => sameId(m) && (entry.topic === undefined || (m.subscriptions?.some((s) => s.topic === entry.topic) ?? m.unsubscriptions?.includes(entry.topic) ?? false)),
        );
        // One SUBACK answers every filter of its SUBSCRIBE: these frames may be shared.
        const t = entry.timeMs / 1000;
        const closest = (list: MqttMessage[]) => list.reduce<MqttMessage | undefined>((b, m) => (!b || Math.abs(t - m.time) < Math.abs(t - b.time) ? m : b), undefined);
        const req = closest(requests);
        found = closest(of(response, "server->client").filter((m) => sameId(m) && (!req || m.frame >= req.frame)));
        if (req) row.requestFrame = req.frame;
        if (!found) row.note = req ? `no ${response} for the ${request} in frame ${req.frame}` : `no ${response} with Packet Identifier ${entry.messageId ?? "?"} in this connection`;
        break;
      }
      case "upstream":
      case "downstream": {
        const direction: Direction = entry.event === "upstream" ? "client->server" : "server->client";
        found = nearest(
          of("PUBLISH", direction).filter(
            (m) =>
              m.topic === entry.topic &&
              (entry.messageId === undefined || m.messageId === entry.messageId) &&
              (entry.payloadSize === undefined || m.payloadLength === undefined || m.payloadLength === entry.payloadSize),
          ),
          entry,
          `publish-${direction}`,
        );
        if (!found) row.note = `no PUBLISH ${direction === "client->server" ? "from the device" : "to the device"} on ${entry.topic ?? "?"}${entry.messageId !== undefined ? ` with Packet Identifier ${entry.messageId}` : ""}`;
        break;
      }
      case "offline": {
        found = nearest(of("DISCONNECT"), entry, "disconnect");
        if (!found) {
          closing = stream.packets.find((p) => ((p.tcpFlags ?? 0) & CLOSE_FLAGS) !== 0);
          if (!closing) {
            const teardown = analysis.phases.find((p) => p.stream === stream.connection.stream && p.kind === "tcp-teardown");
            if (teardown) {
              row.frame = teardown.startFrame;
              row.messageType = teardown.closedBy === "rst" ? "TCP RST" : "TCP FIN";
              row.timeOffset = entry.timeMs / 1000 - teardown.start;
            } else {
              row.note = "no DISCONNECT, FIN or RST in this connection (the capture may have stopped first)";
            }
          }
        }
        break;
      }
      default:
        row.note = `unknown event ${JSON.stringify((entry as { event: unknown }).event)}`;
    }
    if (found) {
      row.frame = found.frame;
      row.messageType = found.type;
      row.timeOffset = entry.timeMs / 1000 - found.time;
    } else if (closing) {
      row.frame = closing.frame;
      row.messageType = ((closing.tcpFlags ?? 0) & 0x04) !== 0 ? "TCP RST" : "TCP FIN";
      row.timeOffset = entry.timeMs / 1000 - closing.time;
    }
    if (row.timeOffset !== undefined && Math.abs(row.timeOffset) > warnOffset) {
      row.note = `log and frame are ${row.timeOffset.toFixed(3)} s apart: is this the capture of the same run?`;
    }
    return row;
  });
}

/** The pairs as a table (same Column shape as the packet list), times relative to `captureStart` (seconds). */
export function deviceLogMatchColumns(captureStart = 0): ReadonlyArray<Column<DeviceLogMatch>> {
  return [
    { header: "Log time", text: (m) => (m.entry.timeMs / 1000 - captureStart).toFixed(3), numeric: true },
    { header: "Event", text: (m) => m.entry.event },
    { header: "Topic", text: (m) => m.entry.topic ?? "" },
    { header: "Status", text: (m) => m.entry.status },
    { header: "Frame", text: (m) => (m.frame === undefined ? "–" : m.requestFrame !== undefined ? `${m.requestFrame}→${m.frame}` : String(m.frame)), numeric: true, field: "frame.number" },
    { header: "Packet", text: (m) => m.messageType ?? "" },
    { header: "Stream", text: (m) => (m.stream === undefined ? "" : String(m.stream)), numeric: true, field: "tcp.stream" },
    { header: "Log − frame", text: (m) => (m.timeOffset === undefined ? "" : `${(m.timeOffset * 1000).toFixed(1)} ms`), numeric: true },
    { header: "Note", text: (m) => m.note ?? m.entry.reason ?? "" },
  ];
}
