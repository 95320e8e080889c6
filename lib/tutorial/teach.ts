/**
 * What `npm start` says about the capture, in the article's order: one or
 * two plain sentences per section of "How to Analyze the Network Behaviors
 * of IoT-enabled Devices Using Wireshark" (3.1 handshake … 3.6 teardown),
 * each naming its frames and the Wireshark display filter, and the lines
 * that say what to open next. Everything fits a terminal of
 * TERMINAL_COLUMNS columns.
 */
import { pathToFileURL } from "node:url";
import type { Analysis, MqttMessage, PacketRow, Phase, PhaseKind } from "../analysis/types";
import type { DeviceLogMatch } from "../lab/device-log-match";
import { shortenPassword } from "../device/credentials";
import { describeReturnCode } from "../mqtt/constants";
import { wiresharkFilter, withDecodeAs } from "../analysis/wireshark-filter";

/** The width every line of the tutorial's output fits. */
export const TERMINAL_COLUMNS = 100;

/** MQTT's registered port (IANA): Wireshark decodes it as MQTT without Decode As. */
export { MQTT_PORT } from "../lab/mqtt-port";
import { MQTT_PORT } from "../lab/mqtt-port";

/** A line cut to `width` columns, ending in "…" when it was longer. */
export function fitLine(line: string, width: number = TERMINAL_COLUMNS): string {
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, width - 1).join("")}…`;
}

/**
 * Words wrapped to `width` columns: the first line starts with `first`, the
 * others with `rest` (both usually spaces or a label). A word longer than a
 * line (a path, a URL) gets a line of its own rather than being broken.
 */
export function wrapText(text: string, width: number = TERMINAL_COLUMNS, first = "", rest = " ".repeat(first.length)): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    const candidate = empty ? line + word : `${line} ${word}`;
    if (!empty && [...candidate].length > width) {
      lines.push(line);
      line = rest + word;
    } else {
      line = candidate;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** The CONNECT's login fields as the tutorial shows them: the password shortened. */
export interface LoginFields {
  clientId: string;
  username: string;
  password: string;
}

/** The first CONNECT's clientId, username and shortened password (from an analysis that kept the password). */
export function loginFields(messages: readonly MqttMessage[]): LoginFields | undefined {
  const connect = messages.find((m) => m.type === "CONNECT");
  if (!connect) return undefined;
  return { clientId: connect.clientId ?? "", username: connect.username ?? "", password: connect.password === undefined ? "(none)" : shortenPassword(connect.password) };
}

export interface ArticleNote {
  /** The article's section number, e.g. "3.1". */
  section: string;
  title: string;
  /** One or two sentences. */
  text: string;
  /** The Wireshark display filter for this kind of step. */
  filter?: string;
}

export interface ArticleNotesContext {
  /** The analysis of the capture (passwords may be redacted: the login comes from `login`). */
  analysis: Analysis;
  login?: LoginFields;
  matches: readonly DeviceLogMatch[];
  /** The TCP port the platform listened on. */
  mqttPort: number;
  /** The run went over TLS or WebSocket (the filters differ: see filterFor). */
  layer?: "tls" | "ws";
}

/** The article's device port in its section 3.1. */
const ARTICLE_DEVICE_PORT = 56150;

const FIN = 0x01;
const SYN = 0x02;
const ACK = 0x10;

function frames(phase: Phase): string {
  return phase.startFrame === phase.endFrame ? `frame ${phase.startFrame}` : `frames ${phase.startFrame}–${phase.endFrame}`;
}

function packet(analysis: Analysis, frame: number): PacketRow | undefined {
  return analysis.packets.find((p) => p.frame === frame);
}

function stepFrame(phase: Phase, type: string): number | undefined {
  return phase.steps.find((s) => s.type === type)?.frame;
}

/**
 * The display filter for one kind of step. Filters on mqtt.* fields need
 * Decode As when MQTT ran on another port than 1883; over TLS, Wireshark
 * finds MQTT on 8883 once it has the key log, and elsewhere needs the port
 * decoded as TLS first; over WebSocket its MQTT dissector never runs, so the
 * MQTT steps are named by their frames.
 */
function filterFor(kind: PhaseKind, mqttPort: number, layer: ArticleNotesContext["layer"], analysis: Analysis): string {
  const filter = wiresharkFilter(kind);
  if (layer === "ws" && /\bmqtt\b/.test(filter)) {
    const phase = analysis.phases.find((p) => p.kind === kind);
    return phase ? wiresharkFilter(phase, analysis) : filter;
  }
  if (layer === "tls") {
    if (mqttPort === MQTT_TLS_PORT || !/\bmqtt\b/.test(filter)) return filter;
    return `${filter}   (Decode As first: -d tcp.port==${mqttPort},tls -d tls.port==${mqttPort},mqtt)`;
  }
  return withDecodeAs(filter, [mqttPort]);
}

/**
 * The article's sections 3.1 to 3.6, told with this capture's frames and
 * values, for the first MQTT connection. Sections whose step is not in the
 * capture are left out.
 */
export function articleNotes(context: ArticleNotesContext): ArticleNote[] {
  const { analysis, login, matches, mqttPort, layer } = context;
  const connect = analysis.phases.find((p) => p.kind === "connect");
  const stream = connect?.stream ?? analysis.phases[0]?.stream ?? 0;
  const phase = (kind: PhaseKind) => analysis.phases.find((p) => p.stream === stream && p.kind === kind);
  const notes: ArticleNote[] = [];

  const handshake = phase("tcp-handshake");
  if (handshake) {
    const syn = packet(analysis, handshake.startFrame);
    const devicePort = syn?.srcPort;
    const chose = devicePort === ARTICLE_DEVICE_PORT ? "" : ` (the article's was ${ARTICLE_DEVICE_PORT}: the system picks a new one for every connection)`;
    notes.push({
      section: "3.1",
      title: "TCP three-way handshake",
      text: `The device opens a TCP connection to the platform with SYN, SYN/ACK, ACK (${frames(handshake)}). The device's port is ${devicePort ?? "?"}: the source port of its SYN${chose}; the platform's is ${syn?.dstPort ?? mqttPort}.`,
      filter: filterFor("tcp-handshake", mqttPort, layer, analysis),
    });
  }

  if (connect) {
    const who = login ? `clientId ${login.clientId}, username ${login.username} and password ${login.password}` : `clientId ${connect.clientId ?? "?"}`;
    const answer = connect.returnCode ?? connect.reasonCode;
    const verdict = answer === undefined ? "no CONNACK was captured" : `it answered CONNACK "${describeReturnCode(answer, connect.protocolVersion ?? 4)}" (frame ${stepFrame(connect, "CONNACK") ?? connect.endFrame})`;
    notes.push({
      section: "3.2",
      title: "MQTT CONNECT",
      text: `The device logs in with CONNECT (frame ${connect.startFrame}): ${who}. The password is an HMAC of the other fields signed with the deviceSecret, which never travels; the platform checked it, and ${verdict}.`,
      filter: filterFor("connect", mqttPort, layer, analysis),
    });
  }

  const subscribe = phase("subscribe");
  if (subscribe) {
    const granted = subscribe.granted?.[0];
    notes.push({
      section: "3.3",
      title: "MQTT SUBSCRIBE",
      text: `The device subscribes to ${subscribe.topics?.join(", ") ?? "?"} (frame ${subscribe.startFrame}) to receive commands; SUBACK ${granted === undefined ? "was not captured" : granted >= 0x80 ? `refuses it (0x${granted.toString(16)})` : `grants QoS ${granted}`}.`,
      filter: filterFor("subscribe", mqttPort, layer, analysis),
    });
  }

  const publish = analysis.phases.find((p) => p.stream === stream && p.kind === "publish" && p.direction === "client->server");
  if (publish) {
    const message = analysis.messages.find((m) => m.frame === publish.startFrame && m.type === "PUBLISH");
    const content = message?.payloadText !== undefined ? message.payloadText : `${message?.payloadLength ?? "?"} bytes`;
    const ack = stepFrame(publish, "PUBACK");
    const logged = matches.find((m) => m.entry.event === "upstream" && m.frame === publish.startFrame);
    const logText = logged
      ? ` The platform's device log holds the same message (entry ${logged.entry.seq}, upstream): ${logged.entry.payloadPreview ?? `${logged.entry.payloadSize ?? "?"} bytes`}.`
      : "";
    notes.push({
      section: "3.4",
      title: "MQTT PUBLISH",
      text: `The device publishes ${content} to ${publish.topic ?? "?"} with QoS ${publish.qos ?? "?"} (frame ${publish.startFrame})${ack ? `; the platform confirms it with PUBACK (frame ${ack})` : ""}.${logText}`,
      filter: filterFor("publish", mqttPort, layer, analysis),
    });
  }

  const disconnect = phase("disconnect");
  if (disconnect) {
    const offline = matches.find((m) => m.entry.event === "offline" && m.frame === disconnect.startFrame);
    notes.push({
      section: "3.5",
      title: "MQTT DISCONNECT",
      text: `The device says goodbye with DISCONNECT (frame ${disconnect.startFrame}); MQTT sends no answer to it.${offline ? ` The device log records the device as offline (entry ${offline.entry.seq}).` : ""}`,
      filter: filterFor("disconnect", mqttPort, layer, analysis),
    });
  }

  const teardown = phase("tcp-teardown");
  if (teardown) notes.push({ section: "3.6", title: "TCP teardown", text: teardownText(analysis, teardown), filter: filterFor("tcp-teardown", mqttPort, layer, analysis) });
  return notes;
}

/** Why the teardown took three packets here (or four, as in the article). */
function teardownText(analysis: Analysis, teardown: Phase): string {
  const rows = teardown.frames.map((f) => packet(analysis, f)).filter((p): p is PacketRow => p !== undefined);
  const fins = rows.filter((p) => ((p.tcpFlags ?? 0) & FIN) !== 0);
  const side = (p: PacketRow) => (p.direction === "client->server" ? "the device" : "the platform");
  if (teardown.closedBy === "rst") return `The connection ends with a reset (RST, ${frames(teardown)}) instead of the FIN exchange.`;
  if (fins.length < 2) return `The connection closes (${frames(teardown)}); the capture holds ${fins.length} FIN.`;
  const [first, second] = fins as [PacketRow, PacketRow];
  const combined = ((second.tcpFlags ?? 0) & (ACK | SYN)) === ACK && !rows.some((p) => p.frame > first.frame && p.frame < second.frame && p.direction === second.direction);
  const count = rows.length;
  if (count === 3 && combined) {
    return `Three packets here, not the article's four: ${side(first)} sends FIN (frame ${first.frame}), and ${side(second)} acknowledges it and sends its own FIN in one packet ([FIN, ACK], frame ${second.frame}); the last ACK closes it. Four appear when that ACK and FIN leave separately.`;
  }
  return `${count} packets (${frames(teardown)}): ${side(first)} sends FIN (frame ${first.frame}), ${side(second)} its own FIN (frame ${second.frame}), each acknowledged by the other side, as in the article's four-way teardown.`;
}

/** The notes as terminal lines: "3.1 Title (filter)" then the sentences, wrapped. */
export function articleNotesText(notes: readonly ArticleNote[], width: number = TERMINAL_COLUMNS): string[] {
  const lines: string[] = [];
  for (const note of notes) {
    lines.push(`${note.section} ${note.title}`);
    lines.push(...wrapText(note.text, width, "    "));
    if (note.filter) lines.push(...wrapText(note.filter, width, "    Wireshark filter: ", "      "));
  }
  return lines;
}

export interface NextStepsContext {
  /** The HTML report, when one was written. */
  report?: string;
  /** The notebooks folder, when this installation has it. */
  notebooksDir?: string;
  capture: string;
  /** The port MQTT ran on in `capture`. */
  mqttPort: number;
  /** The run went over TLS, or over WebSocket: point at the notebook that explains that layer. */
  layer?: "tls" | "ws";
  /** Over TLS: the run's key log, which Wireshark decrypts with (its path only: the file is a secret). */
  keylog?: string;
}

/** Wireshark registers MQTT over TLS on 8883, and finds WebSocket from an HTTP Upgrade on 80. */
const MQTT_TLS_PORT = 8883;
const HTTP_PORT = 80;

/** Wireshark's options for this run's capture, and why (empty when it needs none). */
function wiresharkOptions(context: NextStepsContext): { options: string; why: string } {
  const port = context.mqttPort;
  if (context.layer === "tls") {
    const keys = context.keylog ? `-o tls.keylog_file:${context.keylog} ` : "";
    const decodeAs = port === MQTT_TLS_PORT ? "" : `-d tcp.port==${port},tls -d tls.port==${port},mqtt `;
    const why = [keys ? "-o names the key log that decrypts the TLS records" : "", decodeAs ? `-d is Decode As: TLS ran on port ${port}, not ${MQTT_TLS_PORT}` : ""].filter(Boolean).join("; ");
    return { options: keys + decodeAs, why };
  }
  if (context.layer === "ws") {
    const decodeAs = port === HTTP_PORT ? "" : `-d tcp.port==${port},http `;
    // Wireshark's MQTT dissector does not register on WebSocket: it stops at "WebSocket Binary".
    return { options: decodeAs, why: `${decodeAs ? `-d reads port ${port} as HTTP, so the Upgrade leads to WebSocket; ` : ""}Wireshark shows the MQTT inside only as WebSocket Binary` };
  }
  const decodeAs = port === MQTT_PORT ? "" : `-d tcp.port==${port},mqtt `;
  return { options: decodeAs, why: decodeAs ? `-d is Decode As: the platform ran on port ${port}, not MQTT's ${MQTT_PORT}` : "" };
}

/** The notebook that explains each layer a run can add under MQTT. */
const layerNotebooks = {
  tls: "06-tls.ipynb (TLS without and with the key log)",
  ws: "05-going-further.ipynb (its section on the same device over WebSocket)",
} as const;

/** What to open next: the report as a file:// link, the notebooks, Wireshark. */
export function nextStepsText(context: NextStepsContext, width: number = TERMINAL_COLUMNS): string[] {
  const lines = ["What to open next:"];
  if (context.report) lines.push(...wrapText(pathToFileURL(context.report).href, width, "  the HTML report:  ", "    "));
  if (context.notebooksDir) lines.push(...wrapText(`npm run notebook (then open 01-create-a-device.ipynb in ${context.notebooksDir})`, width, "  the notebooks:    ", "    "));
  if (context.notebooksDir && context.layer) lines.push(...wrapText(`for this run's ${context.layer === "tls" ? "TLS" : "WebSocket"} layer: ${layerNotebooks[context.layer]}`, width, "                    ", "    "));
  const { options, why } = wiresharkOptions(context);
  lines.push(...wrapText(`wireshark ${options}-r ${context.capture}`, width, "  Wireshark:        ", "    "));
  if (why) lines.push(...wrapText(`(${why}; tshark takes the same options)`, width, "                    "));
  return lines;
}
