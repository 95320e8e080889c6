/**
 * The notebooks' exercises, checked in the notebook:
 * `checkExercise("04-device-port", 41234, analysis)` prints whether the answer
 * is right, and a hint when it is not. It never prints the answer; the
 * instructors' answer key (`npm run answers`, ./answer-key.ts) prints every
 * answer and its why from these same definitions.
 *
 * Each exercise is written here only: a notebook's source says where it goes
 * with a line `<!-- exercise ID -->`, which the notebook build replaces with
 * the numbered question (scripts/notebook-source.ts).
 *
 * Fixed answers are written here; answers that depend on the reader's own
 * capture are computed from the analysis they pass in. Text answers match in
 * any equivalent spelling: case, spaces, hyphens, underscores, quotes and a
 * final full stop do not count (`SHA-256` is `sha256`).
 */
import type { Analysis, PhaseKind } from "../analysis/types";

export type AnswerKind = "number" | "text" | "boolean";

export interface Exercise {
  id: string;
  /** The question, in Markdown, as the notebook asks it (the notebook build inserts it, numbered). */
  question: string;
  /** Where to look; never the answer. */
  hint: string;
  kind: AnswerKind;
  /** The answer, for questions with one answer. */
  answer?: number | string | boolean;
  /** Other answers that mean the same, beyond spelling (which never counts): e.g. "capture filter" for "capture". */
  alsoAccepted?: readonly string[];
  /** The answer, from the reader's own analysis (for questions about their capture). */
  compute?: (analysis: Analysis) => unknown;
  /** For computed answers: the bundled capture (in data/captures) the notebook analyses when it runs on the recordings. */
  bundledCapture?: string;
  /** For computed numbers: how far an answer may be from the exact value and still count (default: must match to 6 decimals). */
  tolerance?: number;
  /** Why the answer is right: said after a right answer, and printed in the answer key. */
  explain: string;
}

export type CheckStatus = "right" | "wrong" | "unanswered" | "needs-analysis" | "unknown-exercise";

export interface CheckResult {
  id: string;
  status: CheckStatus;
  /** What `checkExercise` prints. */
  message: string;
}

const teardown = (a: Analysis) => a.phases.find((p) => p.kind === "tcp-teardown");

/** The bytes on the wire of the first phase of a kind, both directions (undefined when the capture has none). */
const firstPhaseBytes = (kind: PhaseKind) => (a: Analysis) => {
  const phase = a.phases.find((p) => p.kind === kind);
  return phase ? phase.clientToServer.bytes + phase.serverToClient.bytes : undefined;
};

export const exercises: readonly Exercise[] = [
  {
    id: "01-no-timestamp-length",
    question: "A device may also sign without a timestamp: pass `timestamp: null`. Build the signed string of such a login (by hand or with `signedString`). How many characters shorter is it than `content`?",
    hint: "signMqttCredentials(device, { timestamp: null }) leaves the timestamp out of the clientId; signedString without a timestamp leaves it out of the signed text. Compare the two strings' .length.",
    kind: "number",
    answer: 22,
    explain: "The name \"timestamp\" (9 characters) and the 13 digits of the milliseconds both drop out.",
  },
  {
    id: "01-hmac-algorithm",
    question: "Redo the password by hand for `signmethod=hmacsha256`. Which algorithm name do you give `createHmac`? Check your by-hand password against `signMqttCredentials(device, { timestamp: ts, signMethod: \"hmacsha256\" })`.",
    hint: "In the by-hand cell the algorithm is the first argument of createHmac; SIGN_METHOD maps each signmethod to Node's name for its hash.",
    kind: "text",
    answer: "sha256",
    explain: "signmethod=hmacsha256 is HMAC over SHA-256, and Node names that hash \"sha256\": createHmac(\"sha256\", deviceSecret).",
  },
  {
    id: "01-timestamp-changes-password",
    question: "Sign twice, with timestamps one millisecond apart. Are the two passwords different (`true` or `false`)? Think about it before you try it.",
    hint: "The timestamp is one of the signed parameters: compare signMqttCredentials(device, { timestamp: ts }) with { timestamp: ts + 1 }.",
    kind: "boolean",
    answer: true,
    explain: "Any change to a signed parameter changes the HMAC completely; that is what makes the password hard to forge.",
  },
  {
    id: "02-publish-time",
    question: "At speed 4, how many seconds after the CONNACK does the device publish its reading?",
    hint: "The program publishes TUTORIAL_SCRIPT.firstPublishAt seconds after connecting, and speed divides every delay.",
    kind: "number",
    answer: 1.25,
    explain: "The program publishes 5 s after connecting; speed 4 divides every delay by 4, so 5 / 4 = 1.25 s.",
  },
  {
    id: "02-log-entries-count3",
    question: "One run leaves four device-log entries. If the program published three readings instead of one (`count: 3`), how many would it leave?",
    hint: "Look at which step of the program each entry of the device log belongs to, then count again for three publishes, or run it: runSimulation({ …, count: 3 }) and read summary.deviceLog.",
    kind: "number",
    answer: 6,
    explain: "online, subscribe, one upstream per reading, and offline.",
  },
  {
    id: "02-qos0-acks",
    question: "Run the program once more with `qos: 0`. `runSimulation` starts its own embedded platform when you give it none, so this works in any mode: `const quick = await runSimulation({ registry: registry, device: device, qos: 0, speed: 4, seed: lab.seed })`. How many `acked` events are in `quick.events`?",
    hint: "Pass qos: 0 to simulate() and count the events of type \"acked\". What does QoS 0 promise about delivery?",
    kind: "number",
    answer: 0,
    explain: "QoS 0 is fire and forget: the platform sends no PUBACK, so there is nothing to acknowledge.",
  },
  {
    id: "03-capture-or-display",
    question: "Is `tcp port 1883` a capture filter or a display filter? Answer `\"capture\"` or `\"display\"`.",
    hint: "Where does this filter run: in the kernel while packets are being recorded, or in Wireshark on a file that already exists? Look at the command that started dumpcap or tcpdump in this notebook.",
    kind: "text",
    answer: "capture",
    alsoAccepted: ["capture filter", "bpf"],
    explain: "It is BPF, the capture-filter language the kernel runs; display filters use field names such as tcp.port == 1883.",
  },
  {
    id: "03-pure-acks",
    question: "How many frames of your capture are pure TCP acknowledgments, with no data and no SYN, FIN or RST? Pass `analysis` as the third argument, because the answer depends on your capture.",
    hint: "In the packet list they are the rows whose Info shows only [ACK] and Len=0. In code: analysis.packets, tcpLength 0 and tcpFlags equal to TcpFlag.ACK.",
    kind: "number",
    compute: (a) => a.packets.filter((p) => p.tcpLength === 0 && p.tcpFlags === 0x10).length,
    bundledCapture: "tutorial.pcapng",
    explain: "Each one only tells the other side \"your bytes arrived\"; TCP sends them so the sender can forget what it was keeping for a retransmission.",
  },
  {
    id: "04-device-port",
    question: "Which TCP port did the device use? Answer about this notebook's capture (it depends on the run).",
    hint: "Look at the SYN: the port it comes from is the device's. analysis.connections[0] also has it.",
    kind: "number",
    compute: (a) => a.connections.find((c) => c.mqtt !== undefined)?.clientPort ?? a.connections[0]?.clientPort,
    bundledCapture: "tutorial.pcapng",
    explain: "The operating system picked this ephemeral port when the device opened its socket; the platform's side is always 1883 here.",
  },
  {
    id: "04-suback-msgtype",
    question: "What is the `mqtt.msgtype` number of a SUBACK? (Look at the display filters above.)",
    hint: "The MQTT packet types are numbered in the order of the spec; PacketType in the library lists them.",
    kind: "number",
    answer: 9,
    explain: "MQTT 3.1.1 §2.2.1 numbers the packet types from CONNECT = 1: SUBSCRIBE is 8, SUBACK 9.",
  },
  {
    id: "04-password-field",
    question: "Which CONNECT field carries the HMAC signature: `clientId`, `username` or `password`?",
    hint: "Compare the three fields of the CONNECT with what signMqttCredentials returned in notebook 01.",
    kind: "text",
    answer: "password",
    explain: "The password is the HMAC of the signed string under the device secret; the clientId and username only name the device and how it signs.",
  },
  {
    id: "04-teardown-packets",
    question: "How many packets did the TCP teardown take in this capture?",
    hint: "Show the teardown phase's packets and count them, or look at the phase's frames.",
    kind: "number",
    compute: (a) => teardown(a)?.frames.length,
    bundledCapture: "tutorial.pcapng",
    explain: "Four steps (FIN, ACK, FIN, ACK); when the second FIN rides on the first ACK, three packets carry them.",
  },
  {
    id: "05-qos2-extra-bytes",
    question: "How many more bytes did the QoS 2 exchange put on the wire than the QoS 1 exchange, both directions and TCP acknowledgments included?",
    hint: "Take the publish phases of qos0-1-2.pcapng (phasesOf(qos, \"publish\")) and add clientToServer.bytes and serverToClient.bytes for each.",
    kind: "number",
    compute: (a) => {
      const bytes = (q: number) => {
        const phase = a.phases.find((p) => p.kind === "publish" && (p.qos ?? 0) === q);
        return phase ? phase.clientToServer.bytes + phase.serverToClient.bytes : undefined;
      };
      const one = bytes(1);
      const two = bytes(2);
      return one === undefined || two === undefined ? undefined : two - one;
    },
    bundledCapture: "qos0-1-2.pcapng",
    explain: "QoS 2 answers a PUBLISH with PUBREC, PUBREL and PUBCOMP instead of one PUBACK: two more MQTT packets, each with its TCP acknowledgment.",
  },
  {
    id: "05-ping-bytes",
    question: "How many bytes did keeping the connection alive cost in `keepalive-ping.pcapng`, all ping phases together?",
    hint: "phasesOf(keepalive, \"ping\"), and for each phase clientToServer.bytes + serverToClient.bytes.",
    kind: "number",
    compute: (a) => {
      const pings = a.phases.filter((p) => p.kind === "ping");
      return pings.length === 0 ? undefined : pings.reduce((sum, p) => sum + p.clientToServer.bytes + p.serverToClient.bytes, 0);
    },
    bundledCapture: "keepalive-ping.pcapng",
    explain: "Small, but per device and per keep-alive period: multiply by a fleet and a day to see why devices pick long keep-alives.",
  },
  {
    id: "05-fleet-connect-median",
    question: "What is the median CONNECT → CONNACK time of the fleet above, in milliseconds (to a tenth of a millisecond)?",
    hint: "phasesOf(fleet, \"connect\") gives one phase per device; each has a latency in seconds. Sort them; the median is the middle one (or the mean of the two middle ones).",
    kind: "number",
    tolerance: 0.05,
    compute: (a) => {
      const times = a.phases.filter((p) => p.kind === "connect" && p.latency !== undefined).map((p) => p.latency! * 1000).sort((x, y) => x - y);
      if (times.length === 0) return undefined;
      const mid = Math.floor(times.length / 2);
      return times.length % 2 === 1 ? times[mid] : (times[mid - 1]! + times[mid]!) / 2;
    },
    bundledCapture: "fleet-5.pcapng",
    explain: "The median is the typical device's login time: unlike the mean, one slow device does not move it.",
  },
  {
    id: "05-ws-upgrade-bytes",
    question: "How many bytes did the WebSocket Upgrade (the `ws-handshake` phase) put on the wire, both directions and TCP acknowledgments included?",
    hint: "firstPhase(ws, \"ws-handshake\"), then clientToServer.bytes + serverToClient.bytes; or the WebSocket column of the ws-handshake row above.",
    kind: "number",
    compute: firstPhaseBytes("ws-handshake"),
    bundledCapture: "tutorial-ws.pcapng",
    explain: "A GET with its Upgrade headers and a 101 answer (RFC 6455 §4.1 and §4.2.2), each with its TCP acknowledgment: paid once per connection, before the CONNECT.",
  },
  {
    id: "06-tls-handshake-bytes",
    question: "How many bytes did the TLS handshake (the `tls-handshake` phase) put on the wire, both directions and TCP acknowledgments included?",
    hint: "firstPhase(tls, \"tls-handshake\"), then clientToServer.bytes + serverToClient.bytes.",
    kind: "number",
    compute: firstPhaseBytes("tls-handshake"),
    bundledCapture: "tutorial-tls.pcapng",
    explain: "Most of it is the server's certificate (RFC 8446 §4.4.2): a device that resumes a session (§2.2) skips it on its next connection.",
  },
  {
    id: "06-keylog-variable",
    question: "Which environment variable do curl, browsers and other tools built on OpenSSL or NSS read to learn where to write a key log?",
    hint: "Look at the issue the analysis gives a capture read without keys, or at the section on getting a key log from a device.",
    kind: "text",
    answer: "SSLKEYLOGFILE",
    explain: "SSLKEYLOGFILE=FILE; Node programs such as MQTT.js use NODE_OPTIONS=--tls-keylog=FILE instead. Either file decrypts every session it lists: keep it as secret as a password.",
  },
];

const byId = new Map(exercises.map((e) => [e.id, e]));

/** An answer in the form that is hashed, or undefined when it is not of the right kind. */
export function normalizeAnswer(kind: AnswerKind, answer: unknown): string | undefined {
  switch (kind) {
    case "number": {
      const n = typeof answer === "number" ? answer : typeof answer === "string" ? Number.parseFloat(answer) : Number.NaN;
      if (!Number.isFinite(n)) return undefined;
      return String(Math.round(n * 1e6) / 1e6);
    }
    case "boolean": {
      if (typeof answer === "boolean") return String(answer);
      const text = typeof answer === "string" ? answer.trim().toLowerCase() : "";
      if (["true", "yes"].includes(text)) return "true";
      if (["false", "no"].includes(text)) return "false";
      return undefined;
    }
    case "text":
      return typeof answer === "string" || typeof answer === "number" ? String(answer).trim().toLowerCase().replace(/\s+/g, " ") : undefined;
  }
}

/**
 * A text answer with its spelling taken out: lower case, without spaces,
 * hyphens, underscores, dots inside names, quotes or a final full stop. Two
 * answers with the same key mean the same (`SHA-256`, `sha_256`, "sha256.").
 */
export function spellingKey(text: string): string {
  return text
    .replace(/^[\s"'`]+|[\s"'`.]+$/g, "")
    .toLowerCase()
    .replace(/[\s\-_.]+/g, "");
}

/** Whether a normalized answer is one the exercise accepts. */
function acceptsFixed(exercise: Exercise, given: string): boolean {
  if (exercise.answer === undefined) return false;
  if (exercise.kind !== "text") return normalizeAnswer(exercise.kind, exercise.answer) === given;
  return [String(exercise.answer), ...(exercise.alsoAccepted ?? [])].some((accepted) => spellingKey(accepted) === spellingKey(given));
}

const kindWords: Record<AnswerKind, string> = { number: "a number", text: "a word", boolean: "true or false" };

/** Checks an answer without printing anything. */
export function checkAnswer(id: string, answer: unknown, analysis?: Analysis): CheckResult {
  const exercise = byId.get(id);
  if (!exercise) return { id, status: "unknown-exercise", message: `There is no exercise "${id}" (known: ${exercises.map((e) => e.id).join(", ")}).` };
  if (answer === undefined || answer === null || answer === "") {
    return { id, status: "unanswered", message: `${id}: no answer yet. Put yours in place of undefined and run the cell again. Hint: ${exercise.hint}` };
  }
  const given = normalizeAnswer(exercise.kind, answer);
  if (given === undefined) return { id, status: "wrong", message: `${id}: the answer should be ${kindWords[exercise.kind]}. Hint: ${exercise.hint}` };
  let right: boolean;
  if (exercise.compute) {
    if (!analysis) return { id, status: "needs-analysis", message: `${id}: this answer depends on your capture: call checkExercise("${id}", answer, analysis).` };
    const value = exercise.compute(analysis);
    const expected = value === undefined ? undefined : normalizeAnswer(exercise.kind, value);
    if (expected === undefined) return { id, status: "wrong", message: `${id}: this analysis has nothing to answer the question with (is it the right capture?). Hint: ${exercise.hint}` };
    right = exercise.tolerance !== undefined ? Math.abs(Number(given) - Number(expected)) <= exercise.tolerance : given === expected;
  } else {
    right = acceptsFixed(exercise, given);
  }
  if (right) return { id, status: "right", message: `${id}: right! ${exercise.explain}` };
  return { id, status: "wrong", message: `${id}: not quite. Hint: ${exercise.hint}` };
}

/** Checks an answer and prints the verdict (right, or a hint). */
export function checkExercise(id: string, answer: unknown, analysis?: Analysis): void {
  console.log(checkAnswer(id, answer, analysis).message);
}
