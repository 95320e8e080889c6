/**
 * The expert-info layer: it sits below every other layer and imports nothing,
 * so that capture, TCP, MQTT and analysis can all report into it.
 *
 * Problems found in a capture, reported the way Wireshark's expert info does:
 * a registered code (a dotted name such as `tcp.previous_segment_not_captured`),
 * a group, a severity, the frame it is attached to and a message. Issues are
 * collected, never thrown: the analysis carries on after each one.
 */

/** Severities, lowest first, as in Wireshark (Chat, Note, Warning, Error). */
export const Severity = { chat: 0, note: 1, warning: 2, error: 3 } as const;
export type SeverityName = keyof typeof Severity;

/** Wireshark's expert groups that we use. */
export type IssueGroup =
  | "malformed"
  | "sequence"
  | "protocol"
  | "response-code"
  | "reassemble"
  | "undecoded"
  | "comment";

/** Layers named in issues, outermost first. */
export type IssueLayer = "file" | "frame" | "link" | "ip" | "tcp" | "tls" | "websocket" | "mqtt";

interface ExpertEntry {
  readonly layer: IssueLayer;
  readonly group: IssueGroup;
  readonly severity: SeverityName;
  readonly summary: string;
  /**
   * Wireshark's display-filter field for the same finding, when it has one
   * (its `ei_*` registration or the field the finding shows up in), so that a
   * code from this registry can be carried straight into Wireshark as a filter.
   */
  readonly wiresharkField?: string;
}

/**
 * The registry of every issue code, like the `ei_*` fields a Wireshark
 * dissector registers. Messages are written per occurrence; the summary here
 * describes the code in general (used in listings and docs).
 */
export const expertInfo = {
  // The capture file itself.
  "file.truncated": { layer: "file", group: "malformed", severity: "error", summary: "The capture file ends in the middle of a record" },
  "file.record_too_large": { layer: "file", group: "malformed", severity: "error", summary: "A record claims more captured bytes than any real packet has; the rest of the file cannot be trusted" },
  "file.bad_block": { layer: "file", group: "malformed", severity: "error", summary: "A pcapng block is damaged (bad length or trailer)" },
  "file.unknown_interface": { layer: "file", group: "malformed", severity: "warning", summary: "A packet refers to an interface that no Interface Description Block declared" },
  "file.read_error": { layer: "file", group: "malformed", severity: "error", summary: "Reading the capture failed part-way" },
  "file.gzip_damaged": { layer: "file", group: "malformed", severity: "error", summary: "The gzip-compressed capture is damaged (bad CRC or length, cut short, or followed by other bytes); everything that decompressed before it was kept" },
  "file.gzip_expansion": { layer: "file", group: "malformed", severity: "error", summary: "The gzip data expands far more than any capture does (a decompression bomb?): reading stopped there" },
  "file.empty_records": { layer: "file", group: "malformed", severity: "error", summary: "A long run of records with no captured bytes, as no capture tool writes: the rest of the file was not read" },
  "file.packet_list_capped": { layer: "file", group: "comment", severity: "warning", summary: "The capture is too big to keep every packet-list row in memory: rows after this frame were not kept (messages, phases and issues go on)" },
  "file.results_capped": { layer: "file", group: "comment", severity: "error", summary: "The capture is too big to keep every message and phase in memory: those after this frame were counted, not kept" },
  // One frame.
  "frame.truncated": { layer: "frame", group: "malformed", severity: "warning", summary: "Packet size limited during capture (snapshot length)", wiresharkField: "_ws.short" },
  "frame.decode_failure": { layer: "frame", group: "malformed", severity: "error", summary: "An unexpected failure while decoding this frame; its bytes are kept", wiresharkField: "_ws.malformed" },
  // Link layer.
  "link.unsupported": { layer: "link", group: "undecoded", severity: "note", summary: "A link-layer type this tool does not decode" },
  "link.malformed": { layer: "link", group: "malformed", severity: "error", summary: "The link-layer header is shorter than its type requires" },
  // IP.
  "ip.malformed": { layer: "ip", group: "malformed", severity: "error", summary: "A malformed IPv4 or IPv6 header" },
  "ip.bad_length": { layer: "ip", group: "malformed", severity: "warning", summary: "The IP length field disagrees with the captured bytes" },
  "ip.fragment": { layer: "ip", group: "undecoded", severity: "note", summary: "An IP fragment; fragments are not reassembled" },
  // TCP, as in packet-tcp.c's analysis.
  "tcp.malformed": { layer: "tcp", group: "malformed", severity: "error", summary: "A malformed TCP header" },
  "tcp.previous_segment_not_captured": { layer: "tcp", group: "sequence", severity: "warning", summary: "Previous segment(s) not captured (common at capture start)", wiresharkField: "tcp.analysis.lost_segment" },
  "tcp.ack_lost_segment": { layer: "tcp", group: "sequence", severity: "warning", summary: "ACKed segment that wasn't captured (common at capture start)", wiresharkField: "tcp.analysis.ack_lost_segment" },
  "tcp.retransmission": { layer: "tcp", group: "sequence", severity: "note", summary: "This frame is a (suspected) retransmission", wiresharkField: "tcp.analysis.retransmission" },
  "tcp.fast_retransmission": { layer: "tcp", group: "sequence", severity: "note", summary: "This frame is a (suspected) fast retransmission, after duplicate ACKs", wiresharkField: "tcp.analysis.fast_retransmission" },
  "tcp.spurious_retransmission": { layer: "tcp", group: "sequence", severity: "note", summary: "This frame is a (suspected) spurious retransmission: its data was already acknowledged", wiresharkField: "tcp.analysis.spurious_retransmission" },
  "tcp.out_of_order": { layer: "tcp", group: "sequence", severity: "warning", summary: "This frame is a (suspected) out-of-order segment", wiresharkField: "tcp.analysis.out_of_order" },
  "tcp.duplicate_ack": { layer: "tcp", group: "sequence", severity: "note", summary: "Duplicate ACK", wiresharkField: "tcp.analysis.duplicate_ack" },
  "tcp.keep_alive": { layer: "tcp", group: "sequence", severity: "note", summary: "TCP keep-alive segment", wiresharkField: "tcp.analysis.keep_alive" },
  "tcp.zero_window": { layer: "tcp", group: "sequence", severity: "warning", summary: "TCP zero window: the receiver's buffer is full", wiresharkField: "tcp.analysis.zero_window" },
  "tcp.port_numbers_reused": { layer: "tcp", group: "sequence", severity: "note", summary: "A new connection (SYN) on a 4-tuple that was used before", wiresharkField: "tcp.analysis.reused_ports" },
  "tcp.connection_reset": { layer: "tcp", group: "sequence", severity: "warning", summary: "Connection reset (RST)", wiresharkField: "tcp.connection.rst" },
  "tcp.reassembly_gap": { layer: "tcp", group: "reassemble", severity: "warning", summary: "Bytes of this stream were never captured; decoding resumes after the hole" },
  // TLS.
  "tls.encrypted": { layer: "tls", group: "undecoded", severity: "note", summary: "Encrypted: give a key log (NODE_OPTIONS=--tls-keylog=FILE for MQTT.js, SSLKEYLOGFILE for others) to see the MQTT inside", wiresharkField: "tls.app_data" },
  "tls.alert": { layer: "tls", group: "response-code", severity: "warning", summary: "A TLS alert other than close_notify (its name and level in the message)", wiresharkField: "tls.alert_message" },
  "tls.close_notify": { layer: "tls", group: "sequence", severity: "chat", summary: "A TLS close_notify alert: one side closes the TLS session", wiresharkField: "tls.alert_message.desc" },
  "tls.decryption_failed": { layer: "tls", group: "undecoded", severity: "warning", summary: "A protected record could not be opened with the logged keys (wrong key log, or a damaged record); decoding goes on after it" },
  "tls.malformed": { layer: "tls", group: "malformed", severity: "error", summary: "A malformed TLS record or handshake message; decoding goes on at the next plausible record", wiresharkField: "_ws.malformed" },
  "tls.unsupported_cipher": { layer: "tls", group: "undecoded", severity: "warning", summary: "The negotiated cipher suite cannot be decrypted here", wiresharkField: "tls.handshake.ciphersuite" },
  "tls.keylog": { layer: "file", group: "comment", severity: "warning", summary: "The TLS key log (--tls-keylog or the capture's Decryption Secrets Block) could not be read, or has lines that are not NSS key log lines" },
  // WebSocket (RFC 6455), as in packet-websocket.c.
  "websocket.malformed": { layer: "websocket", group: "malformed", severity: "error", summary: "A malformed WebSocket frame; the rest of this direction is not decoded", wiresharkField: "_ws.malformed" },
  "websocket.upgrade_refused": { layer: "websocket", group: "response-code", severity: "warning", summary: "The server answered the WebSocket upgrade with another status than 101", wiresharkField: "http.response.code" },
  "websocket.not_upgraded": { layer: "websocket", group: "protocol", severity: "note", summary: "The stream was expected to open with a WebSocket upgrade (HTTP) but does not; it is not decoded as WebSocket" },
  "websocket.unmasked": { layer: "websocket", group: "protocol", severity: "warning", summary: "A client frame without a mask, or a masked server frame (RFC 6455 §5.1)", wiresharkField: "websocket.mask" },
  "websocket.close": { layer: "websocket", group: "sequence", severity: "chat", summary: "A WebSocket close frame, with its status code", wiresharkField: "websocket.payload.close" },
  "websocket.ping": { layer: "websocket", group: "sequence", severity: "chat", summary: "A WebSocket ping (a keep-alive separate from MQTT's PINGREQ)", wiresharkField: "websocket.payload.ping" },
  "websocket.inflate_failed": { layer: "websocket", group: "malformed", severity: "error", summary: "A permessage-deflate message could not be inflated; its data is lost", wiresharkField: "_ws.malformed" },
  // MQTT, as in packet-mqtt.c.
  "mqtt.malformed": { layer: "mqtt", group: "malformed", severity: "error", summary: "Malformed MQTT packet", wiresharkField: "_ws.malformed" },
  "mqtt.connect_missing": { layer: "mqtt", group: "protocol", severity: "note", summary: "Unknown version (missing the CONNECT packet?); decoding with the default version", wiresharkField: "mqtt.unknown_version" },
  "mqtt.resync": { layer: "mqtt", group: "reassemble", severity: "note", summary: "Decoding resumed at a packet boundary after a gap" },
  "mqtt.too_large": { layer: "mqtt", group: "undecoded", severity: "warning", summary: "An MQTT packet larger than the decoding limit; its bytes were skipped" },
  "mqtt.connection_refused": { layer: "mqtt", group: "response-code", severity: "warning", summary: "The server refused the connection (CONNACK return code / reason code)" },
  "mqtt.subscription_refused": { layer: "mqtt", group: "response-code", severity: "warning", summary: "The server refused a subscription (SUBACK failure code)" },
  "mqtt.unanswered": { layer: "mqtt", group: "sequence", severity: "note", summary: "A request with no response in the capture" },
  "mqtt.incomplete": { layer: "mqtt", group: "reassemble", severity: "note", summary: "The stream ends inside an MQTT packet" },
  "mqtt.websocket_port": { layer: "mqtt", group: "protocol", severity: "note", summary: "A port given as MQTT carries MQTT over WebSocket: decoded as WebSocket, then MQTT" },
  "mqtt.unexpected_response": { layer: "mqtt", group: "sequence", severity: "note", summary: "A response whose request was not seen" },
} as const satisfies Record<string, ExpertEntry>;

export type IssueCode = keyof typeof expertInfo;

/** One problem, attached to a frame (0 for problems with the file as a whole). */
export interface Issue {
  /** Wireshark's frame number (1-based); 0 when the issue belongs to the file. */
  frame: number;
  /** tcp.stream of the connection, when the issue belongs to one. */
  stream?: number;
  layer: IssueLayer;
  code: IssueCode;
  group: IssueGroup;
  severity: SeverityName;
  /** Formatted from `data` for the codes that have it (issueSchemas). */
  message: string;
  /** The typed data of the main codes (not enumerable: left out of JSON); read it with issueData(issue, code). */
  readonly data?: IssueDataOf<DataIssueCode>;
}

/**
 * Typed data for the main codes, zod style: a schema per code (each field's
 * kind, checked by parseIssueData) and the message, formatted from the data.
 * An issue made from data carries it as `issue.data` (read it typed with
 * issueData). The property is not enumerable, so JSON output and the goldens
 * stay as they were.
 */
const field = { integer: "integer", text: "text", boolean: "boolean" } as const;
type FieldKind = (typeof field)[keyof typeof field];
type Infer<S extends Record<string, FieldKind>> = { readonly [K in keyof S]: S[K] extends "integer" ? number : S[K] extends "boolean" ? boolean : string };

interface IssueSchema<S extends Record<string, FieldKind>> {
  readonly fields: S;
  readonly message: (data: Infer<S>) => string;
}

function schema<S extends Record<string, FieldKind>>(fields: S, message: (data: Infer<S>) => string): IssueSchema<S> {
  return { fields, message };
}

export const issueSchemas = {
  "tcp.previous_segment_not_captured": schema(
    { direction: field.text, missingBytes: field.integer },
    (d) => `Previous segment(s) not captured (common at capture start): the ${d.direction} stream skips ${d.missingBytes} byte(s)`,
  ),
  "tcp.duplicate_ack": schema({ count: field.integer, ackedFrame: field.integer }, (d) => `Duplicate ACK (#${d.count}) of frame ${d.ackedFrame}`),
  "tcp.reassembly_gap": schema(
    { direction: field.text, missingBytes: field.integer, mqtt: field.boolean },
    (d) => `${d.missingBytes} byte(s) of the ${d.direction} stream were not captured; ${d.mqtt ? "MQTT decoding resumes at the next packet boundary" : "decoding resumes after the hole"}`,
  ),
  "mqtt.connection_refused": schema(
    { returnCode: field.integer, protocolVersion: field.integer, description: field.text },
    (d) => `The server refused the connection: ${d.description} (code ${d.returnCode})`,
  ),
  "mqtt.subscription_refused": schema(
    { messageId: field.integer, refused: field.integer, requested: field.integer },
    (d) => `SUBACK (id=${d.messageId}) refused ${d.refused} of ${d.requested} subscription(s)`,
  ),
} satisfies { [C in IssueCode]?: { readonly fields: Record<string, FieldKind> } };

/** The codes that carry typed data. */
export type DataIssueCode = keyof typeof issueSchemas;
/** The data of code C. */
export type IssueDataOf<C extends DataIssueCode> = Infer<(typeof issueSchemas)[C]["fields"]>;

/** An issue's message with its data, as a reporter hands it to makeIssue. */
export interface IssueDescription<C extends DataIssueCode = DataIssueCode> {
  readonly code: C;
  readonly data: IssueDataOf<C>;
  readonly text: string;
}

/** Data for `code`, with its message formatted from it. */
export function describeIssue<C extends DataIssueCode>(code: C, data: IssueDataOf<C>): IssueDescription<C> {
  const format = issueSchemas[code].message as (d: IssueDataOf<C>) => string;
  return { code, data, text: format(data) };
}

/** Checks `data` against the code's schema: the problems, none when it fits. */
export function parseIssueData(code: DataIssueCode, data: unknown): string[] {
  const fields: Record<string, FieldKind> = issueSchemas[code].fields;
  if (typeof data !== "object" || data === null) return [`${code}: data must be an object`];
  const record = data as Record<string, unknown>;
  const problems: string[] = [];
  for (const [name, kind] of Object.entries(fields)) {
    const value = record[name];
    const ok = kind === "integer" ? Number.isSafeInteger(value) : kind === "boolean" ? typeof value === "boolean" : typeof value === "string";
    if (!ok) problems.push(`${code}: ${name} must be ${kind === "integer" ? "an integer" : `a ${kind === "text" ? "string" : kind}`}`);
  }
  for (const name of Object.keys(record)) if (!(name in fields)) problems.push(`${code}: unknown field ${name}`);
  return problems;
}

/** The typed data of an issue of `code`, when it was made from data. */
export function issueData<C extends DataIssueCode>(issue: Issue, code: C): IssueDataOf<C> | undefined {
  return issue.code === code ? (issue as { data?: IssueDataOf<C> }).data : undefined;
}

export function makeIssue(code: IssueCode, frame: number, message: string | IssueDescription, stream?: number): Issue {
  const entry: ExpertEntry = expertInfo[code];
  const text = typeof message === "string" ? message : message.text;
  const issue: Issue = { frame, layer: entry.layer, code, group: entry.group, severity: entry.severity, message: text };
  if (stream !== undefined) issue.stream = stream;
  if (typeof message !== "string") Object.defineProperty(issue, "data", { value: message.data, enumerable: false });
  return issue;
}

/** `frame 12 · tcp · warning · tcp.previous_segment_not_captured: …` */
export function formatIssue(issue: Issue): string {
  const where = issue.frame > 0 ? `frame ${issue.frame}` : "file";
  const stream = issue.stream !== undefined ? ` (tcp.stream ${issue.stream})` : "";
  return `${where}${stream} · ${issue.layer} · ${issue.severity} · ${issue.code}: ${issue.message}`;
}

/** Wireshark's display filter for a code, or undefined when Wireshark has no field for it. */
export function wiresharkFilterFor(code: IssueCode): string | undefined {
  const entry: ExpertEntry = expertInfo[code];
  return entry.wiresharkField;
}
