// The notebooks' exercises: right answers pass, wrong ones get a hint, and
// no message ever contains the answer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { answerKey, formatAnswerKey } from "../../lib/notebook/answer-key";
import { checkAnswer, exercises, normalizeAnswer, spellingKey } from "../../lib/notebook/exercises";
import { notebookSources } from "../../scripts/notebook-jupyter";
import { cellSource, exercisesPlaced, readNotebookSource } from "../../scripts/notebook-source";
import { fixtureDir, projectRoot } from "../helpers/fixtures";

/** The fixed answers, written again here so the test does not trust the library's own. */
const answers: Record<string, unknown> = {
  "01-no-timestamp-length": 22,
  "01-hmac-algorithm": "sha256",
  "01-timestamp-changes-password": true,
  "02-publish-time": 1.25,
  "02-log-entries-count3": 6,
  "02-qos0-acks": 0,
  "03-capture-or-display": "capture",
  "04-suback-msgtype": 9,
  "04-password-field": "password",
  "06-keylog-variable": "SSLKEYLOGFILE",
};

/** Which bundled capture answers each computed exercise, and the answer on it. */
const computed: Record<string, [capture: string, answer: number]> = {
  "03-pure-acks": ["tutorial.pcapng", 6],
  "04-device-port": ["tutorial.pcapng", 33314],
  "04-teardown-packets": ["tutorial.pcapng", 3],
  "05-qos2-extra-bytes": ["qos0-1-2.pcapng", 482 - 276],
  "05-ping-bytes": ["keepalive-ping.pcapng", 3 * (134 + 68)],
  // GET (323) and 101 (225) with their ACKs (66 each), the device's ACK of the SYN/ACK being the handshake's.
  "05-ws-upgrade-bytes": ["tutorial-ws.pcapng", 323 + 225 + 66 + 66],
  // ClientHello (415), the server's flight (865), and an ACK each way (66).
  "06-tls-handshake-bytes": ["tutorial-tls.pcapng", 415 + 865 + 66 + 66],
};

test("every exercise has an answer here, and ids are unique", () => {
  const ids = exercises.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const e of exercises) {
    if (e.compute) assert.ok(e.id in computed || e.id === "05-fleet-connect-median", `${e.id}: computed answer not tested`);
    else assert.ok(e.id in answers, `${e.id}: no answer in this test`);
  }
});

test("fixed answers: right, in the forms a reader types; wrong ones get a hint without the answer", () => {
  for (const [id, answer] of Object.entries(answers)) {
    assert.equal(checkAnswer(id, answer).status, "right", `${id} = ${String(answer)}`);
    if (typeof answer === "number") assert.equal(checkAnswer(id, String(answer)).status, "right", `${id} as text`);
    if (typeof answer === "string") assert.equal(checkAnswer(id, ` ${answer.toUpperCase()} `).status, "right", `${id} in capitals`);
    const wrong = typeof answer === "number" ? answer + 1 : typeof answer === "boolean" ? !answer : `${String(answer)}x`;
    const result = checkAnswer(id, wrong);
    assert.equal(result.status, "wrong", `${id} = ${String(wrong)}`);
    assert.match(result.message, /Hint: /);
    const unanswered = checkAnswer(id, undefined);
    assert.equal(unanswered.status, "unanswered");
    for (const message of [result.message, unanswered.message]) {
      const text = String(answer);
      // Tiny answers (0, 6, 9) appear in any text; check the ones that could give something away.
      if (text.length >= 2) assert.ok(!new RegExp(`\\b${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`, "i").test(message.replace(/^[^:]+: /, "")), `${id}: "${message}" reveals ${text}`);
    }
  }
});

test("computed answers come from the reader's analysis, and are never printed", async () => {
  for (const [id, [capture, answer]] of Object.entries(computed)) {
    const analysis = await analyzeCapture(join(fixtureDir, capture));
    assert.equal(checkAnswer(id, answer, analysis).status, "right", `${id} on ${capture}`);
    const wrong = checkAnswer(id, answer + 1, analysis);
    assert.equal(wrong.status, "wrong");
    assert.ok(!wrong.message.includes(String(answer)), `${id}: the hint reveals ${answer}`);
    assert.equal(checkAnswer(id, answer).status, "needs-analysis");
  }
});

test("a tolerance for measured numbers: the fleet's median CONNECT → CONNACK", async () => {
  const fleet = await analyzeCapture(join(fixtureDir, "fleet-5.pcapng"));
  const times = fleet.phases.filter((p) => p.kind === "connect").map((p) => p.latency! * 1000).sort((a, b) => a - b);
  const median = times[2]!;
  assert.equal(checkAnswer("05-fleet-connect-median", Number(median.toFixed(1)), fleet).status, "right");
  assert.equal(checkAnswer("05-fleet-connect-median", median + 0.2, fleet).status, "wrong");
  // The wrong capture: no connect phases to answer with.
  const keepalive = await analyzeCapture(join(fixtureDir, "keepalive-ping.pcapng"));
  assert.match(checkAnswer("05-qos2-extra-bytes", 1, keepalive).message, /nothing to answer/);
});

test("unknown ids and answers of the wrong kind", () => {
  assert.equal(checkAnswer("no-such-exercise", 1).status, "unknown-exercise");
  assert.match(checkAnswer("02-publish-time", "soon").message, /should be a number/);
  assert.equal(normalizeAnswer("boolean", "yes"), "true");
  assert.equal(normalizeAnswer("number", "1.25 s"), "1.25");
  assert.equal(normalizeAnswer("text", "  Two   words "), "two words");
  assert.equal(spellingKey(" `SHA-256`. "), "sha256");
});

test("equivalent spellings of a text answer are right; a different word is not", () => {
  for (const spelling of ["SHA-256", "sha_256", "Sha 256", "\"sha256\"", "`sha256`", "sha256."]) assert.equal(checkAnswer("01-hmac-algorithm", spelling).status, "right", spelling);
  for (const wrong of ["sha1", "sha512", "hmac", "sha2567"]) assert.equal(checkAnswer("01-hmac-algorithm", wrong).status, "wrong", wrong);
  for (const spelling of ["Capture", "capture filter", "Capture-Filter", "BPF"]) assert.equal(checkAnswer("03-capture-or-display", spelling).status, "right", spelling);
  assert.equal(checkAnswer("03-capture-or-display", "display filter").status, "wrong");
  assert.equal(checkAnswer("04-password-field", "Password").status, "right");
  assert.equal(checkAnswer("04-password-field", "user name").status, "wrong");
});

test("the answer key: every exercise once, with an answer the checker accepts and a why", async () => {
  const captures = join(fixtureDir);
  const key = await answerKey(captures);
  assert.deepEqual(key.map((e) => e.id), exercises.map((e) => e.id));
  for (const entry of key) {
    assert.ok(entry.answer !== undefined, `${entry.id} has an answer`);
    assert.ok(entry.why.length > 20, `${entry.id} says why`);
    const exercise = exercises.find((e) => e.id === entry.id)!;
    assert.equal(entry.question, exercise.question, "the question from the exercise definitions");
    if (entry.id in answers) assert.equal(entry.answer, normalizeAnswer(exercise.kind, answers[entry.id]), `${entry.id}: the same answer as this test's`);
    if (entry.id in computed) assert.equal(Number(entry.answer), computed[entry.id]![1], `${entry.id} on ${computed[entry.id]![0]}`);
    const analysis = entry.computedOn ? await analyzeCapture(join(captures, entry.computedOn)) : undefined;
    assert.equal(checkAnswer(entry.id, entry.answer, analysis).status, "right", `${entry.id}: the key's answer passes check`);
  }
  const text = formatAnswerKey(key);
  for (const entry of key) assert.ok(text.includes(`${entry.id}: ${entry.question}`) && text.includes(`Why: ${entry.why}`));
  assert.match(text, /Answer: 33314 \(on the bundled tutorial\.pcapng/);
});

test("npm run answers prints the key", () => {
  const run = spawnSync(process.execPath, [join(projectRoot, "dist", "scripts", "answers.js")], { encoding: "utf8", timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^Answer key/);
  assert.match(run.stdout, /01-hmac-algorithm: .*\n {4}Answer: sha256\n {4}Why: /);
  assert.equal((run.stdout.match(/\n {4}Answer: /g) ?? []).length, exercises.length);
});

test("each exercise is written once: its notebook places it by id, and the build shows the numbered question before its checkExercise cell", () => {
  const placed: string[] = [];
  for (const file of notebookSources()) {
    const name = basename(file, ".md");
    const markdown = readFileSync(file, "utf8");
    const ids = exercisesPlaced(markdown);
    placed.push(...ids);
    for (const id of ids) assert.equal(id.slice(0, 2), name.slice(0, 2), `${id} is placed in ${name}`);
    const cells = readNotebookSource(file).cells.map((c) => ({ type: c.cell_type, text: cellSource(c) }));
    ids.forEach((id, i) => {
      const exercise = exercises.find((e) => e.id === id)!;
      assert.ok(!markdown.includes(exercise.question), `${name}.md repeats the text of ${id}: write it only in lib/notebook/exercises.ts`);
      const at = cells.findIndex((c) => c.type === "markdown" && c.text.includes(`**${i + 1}.** ${exercise.question}`));
      assert.ok(at >= 0, `${name}: question ${i + 1} (${id}) is in the built notebook`);
      assert.match(cells[at + 1]?.text ?? "", new RegExp(`^checkExercise\\("${id}", `), `${name}: the cell after question ${i + 1} checks ${id}`);
    });
  }
  assert.deepEqual(placed, exercises.map((e) => e.id), "every exercise placed once, in order");
});
