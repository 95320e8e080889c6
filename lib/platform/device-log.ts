/**
 * The device log: the lab's counterpart of the console's Device Log page. Every
 * event between a device and the platform is one entry (online, offline,
 * messages each way, subscriptions, refused logins, forbidden topics), kept in
 * memory, emitted as it happens and appended to a JSON-lines file.
 *
 * Entries never hold a deviceSecret or a password. A message's content is
 * kept shortened (`payloadPreview`), as the console's Device Log shows it.
 */
import { isUtf8 } from "node:buffer";
import { EventEmitter } from "node:events";
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { terminalText } from "../text/terminal-text";
import type { DeviceLogEntry, DeviceLogEvent } from "../device/log-entry";

export { DEVICE_LOG_EVENT, DEVICE_LOG_STATUS, deviceLogEventLabels, type DeviceLogEntry, type DeviceLogEvent, type DeviceLogStatus } from "../device/log-entry";



/** Characters of a message's content a device-log entry keeps. */
export const PAYLOAD_PREVIEW_CHARS = 64;

/**
 * A message's content for a log line: UTF-8 text as it is (control
 * characters shown as "."), anything else as 0x-hex; longer than `limit`
 * characters, cut and ended with "…".
 */
export function payloadPreview(payload: Uint8Array | string | undefined, limit: number = PAYLOAD_PREVIEW_CHARS): string {
  if (payload === undefined) return "";
  const bytes = typeof payload === "string" ? Buffer.from(payload, "utf8") : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const cut = (text: string) => (text.length > limit ? `${text.slice(0, limit - 1)}…` : text);
  if (isUtf8(bytes)) return cut([...bytes.toString("utf8")].map((c) => (/[\u0000-\u001f\u007f]/.test(c) ? "." : c)).join(""));
  return cut(`0x${bytes.subarray(0, Math.ceil(limit / 2)).toString("hex")}`);
}

export type DeviceLogInput = Omit<DeviceLogEntry, "seq" | "time" | "timeMs"> & { timeMs?: number };

export interface DeviceLogOptions {
  /** JSON-lines file the entries are appended to as they happen. */
  file?: string;
  clock?: () => number;
}

export interface DeviceLog {
  on(event: "entry", listener: (entry: DeviceLogEntry) => void): this;
  once(event: "entry", listener: (entry: DeviceLogEntry) => void): this;
  off(event: "entry", listener: (entry: DeviceLogEntry) => void): this;
}

export class DeviceLog extends EventEmitter {
  readonly entries: DeviceLogEntry[] = [];
  readonly file: string | undefined;
  private fd: number | undefined;
  private readonly clock: () => number;

  constructor(options: DeviceLogOptions = {}) {
    super();
    this.file = options.file;
    this.clock = options.clock ?? Date.now;
    if (this.file) {
      mkdirSync(dirname(this.file), { recursive: true });
      this.fd = openSync(this.file, "a", 0o600);
    }
  }

  record(input: DeviceLogInput): DeviceLogEntry {
    const timeMs = input.timeMs ?? this.clock();
    const { timeMs: _ignored, ...fields } = input;
    const entry: DeviceLogEntry = { seq: this.entries.length + 1, time: new Date(timeMs).toISOString(), timeMs, ...fields };
    this.entries.push(entry);
    // Appended synchronously so that `platform log --follow` and a crash both see every line.
    if (this.fd !== undefined) writeSync(this.fd, JSON.stringify(entry) + "\n");
    this.emit("entry", entry);
    return entry;
  }

  /** Entries for one device (or one event type). */
  filter(where: { productKey?: string; deviceName?: string; event?: DeviceLogEvent }): DeviceLogEntry[] {
    return this.entries.filter(
      (e) =>
        (where.productKey === undefined || e.productKey === where.productKey) &&
        (where.deviceName === undefined || e.deviceName === where.deviceName) &&
        (where.event === undefined || e.event === where.event),
    );
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

/** A line of a device-log file that is not an entry. */
export interface DeviceLogLineIssue {
  line: number;
  message: string;
}

/** Parses JSON-lines text; bad lines are reported, not thrown. */
export function parseDeviceLog(text: string): { entries: DeviceLogEntry[]; issues: DeviceLogLineIssue[] } {
  const entries: DeviceLogEntry[] = [];
  const issues: DeviceLogLineIssue[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    try {
      const value = JSON.parse(line) as Partial<DeviceLogEntry>;
      if (typeof value !== "object" || value === null || typeof value.event !== "string" || typeof value.timeMs !== "number") {
        issues.push({ line: index + 1, message: "not a device-log entry (no event or timeMs)" });
        return;
      }
      entries.push(value as DeviceLogEntry);
    } catch (error) {
      issues.push({ line: index + 1, message: `not JSON: ${(error as Error).message}` });
    }
  });
  return { entries, issues };
}

export function readDeviceLog(file: string): { entries: DeviceLogEntry[]; issues: DeviceLogLineIssue[] } {
  return parseDeviceLog(readFileSync(file, "utf8"));
}

const COLUMNS = ["time", "event", "device", "client", "topic", "qos", "msgId", "bytes", "payload", "status", "reason"] as const;

/** The entry's cells as a terminal shows them: what a device sent has its control characters escaped. */
function cells(entry: DeviceLogEntry): Record<(typeof COLUMNS)[number], string> {
  const cells = rawCells(entry);
  for (const column of COLUMNS) cells[column] = terminalText(cells[column]);
  return cells;
}

function rawCells(entry: DeviceLogEntry): Record<(typeof COLUMNS)[number], string> {
  return {
    time: entry.time.replace("T", " ").replace("Z", ""),
    event: entry.event,
    device: entry.productKey && entry.deviceName ? `${entry.productKey}/${entry.deviceName}` : "-",
    client: `${entry.clientIp}:${entry.clientPort}`,
    topic: entry.topic ?? "",
    qos: entry.qos === undefined ? "" : String(entry.qos),
    msgId: entry.messageId === undefined ? "" : String(entry.messageId),
    bytes: entry.payloadSize === undefined ? "" : String(entry.payloadSize),
    payload: entry.payloadPreview ?? "",
    status: entry.status,
    reason: entry.reason ?? "",
  };
}

/** One readable line per entry, for a terminal following the log. */
export function formatDeviceLogLine(entry: DeviceLogEntry): string {
  const c = cells(entry);
  const parts = [c.time, c.event.padEnd(13), c.device, c.client];
  if (c.topic) parts.push(c.topic);
  if (c.qos) parts.push(`qos=${c.qos}`);
  if (c.msgId) parts.push(`id=${c.msgId}`);
  if (c.bytes) parts.push(`${c.bytes} B`);
  if (c.payload) parts.push(c.payload);
  parts.push(c.status);
  if (c.reason) parts.push(`(${c.reason})`);
  return parts.join("  ");
}

/** A table with a header row, columns padded to fit. */
export function formatDeviceLogTable(entries: readonly DeviceLogEntry[]): string {
  const rows = entries.map(cells);
  const widths = COLUMNS.map((col) => Math.max(col.length, ...rows.map((r) => r[col].length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line([...COLUMNS]), ...rows.map((r) => line(COLUMNS.map((col) => r[col])))].join("\n");
}
