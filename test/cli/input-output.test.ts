// Where the CLI reads from and writes to: pipes, FIFOs and /dev/stdin read
// like the file itself (no pread on them), and an -o that cannot be written
// gives one line on stderr, exit code 2, and leaves nothing behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { closeSync, createWriteStream, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { fixtureDir, projectRoot } from "../helpers/fixtures";
import { needTool } from "../helpers/tools";

const cli = join(projectRoot, "dist", "lib", "cli", "main.js");
const tutorial = join(fixtureDir, "tutorial.pcap");
const tutorialBytes = readFileSync(tutorial);

function run(args: string[], options: { input?: Buffer; stdin?: number } = {}) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    encoding: "utf8",
    input: options.input,
    stdio: options.stdin !== undefined ? [options.stdin, "pipe", "pipe"] : "pipe",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** One line on stderr, exit code 2, no stack trace. */
function assertRefused(result: { code: number | null; stderr: string }, message: RegExp): void {
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  assert.match(result.stderr, message);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}

const expected = run(["analyze", "--format", "csv", tutorial]);

test("a capture piped to /dev/stdin or '-', plain or gzip, reads like the file", () => {
  assert.equal(expected.code, 0, expected.stderr);
  assert.ok(expected.stdout.split("\n").length > 5);
  for (const [label, input] of [["plain", tutorialBytes], ["gzip", gzipSync(tutorialBytes)]] as const) {
    for (const path of ["/dev/stdin", "-"]) {
      const piped = run(["analyze", "--format", "csv", path], { input });
      assert.equal(piped.code, 0, `${label} into ${path}: ${piped.stderr}`);
      assert.equal(piped.stdout, expected.stdout, `${label} into ${path}`);
    }
  }
  // `analyze /dev/stdin < file`: standard input is the file itself.
  const fd = openSync(tutorial, "r");
  try {
    const redirected = run(["analyze", "--format", "csv", "/dev/stdin"], { stdin: fd });
    assert.equal(redirected.code, 0, redirected.stderr);
    assert.equal(redirected.stdout, expected.stdout);
  } finally {
    closeSync(fd);
  }
});

test("a shell's pipe into /dev/stdin and a process substitution, analyze <(cat x.pcap), read like the file", (t) => {
  if (!needTool(t, "bash")) return;
  const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const command = `${quote(process.execPath)} ${quote(cli)} analyze --format csv`;
  for (const line of [`${command} <(cat ${quote(tutorial)})`, `cat ${quote(tutorial)} | ${command} /dev/stdin`]) {
    const result = spawnSync("bash", ["-c", line], { encoding: "utf8" });
    assert.equal(result.status, 0, `${line}: ${result.stderr}`);
    assert.equal(result.stdout, expected.stdout, line);
  }
});

function analyzeFifo(fifo: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cli, "analyze", "--format", "csv", fifo], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

function makeFifo(t: import("node:test").TestContext, dir: string): string | undefined {
  if (!needTool(t, "mkfifo")) return undefined;
  const fifo = join(dir, "capture.fifo");
  const made = spawnSync("mkfifo", [fifo], { encoding: "utf8" });
  assert.equal(made.status, 0, made.stderr);
  return fifo;
}

test("a FIFO: the analysis waits for its writer, reads what trickles in, and ends when the writer closes", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "iot-wire-lab-fifo-"));
  try {
    const fifo = makeFifo(t, dir);
    if (!fifo) return;
    for (const bytes of [tutorialBytes, gzipSync(tutorialBytes)]) {
      const analysis = analyzeFifo(fifo);
      const writer = createWriteStream(fifo);
      writer.on("error", () => undefined); // a reader that failed closes the FIFO: the assertions below say why
      // Three pieces, with pauses: the reader sees short reads, as from a live capture.
      for (const [from, to] of [[0, 10], [10, 700], [700, bytes.length]]) {
        writer.write(bytes.subarray(from, to));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      writer.end();
      const result = await analysis;
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, expected.stdout);
    }
    // A writer that closes without writing: an empty capture, refused in one line.
    const analysis = analyzeFifo(fifo);
    const fd = openSync(fifo, "w");
    closeSync(fd);
    assertRefused(await analysis, /capture\.fifo is empty, not a capture file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("-o into a missing folder or onto a folder: one line, exit code 2, nothing left behind", () => {
  const dir = mkdtempSync(join(tmpdir(), "iot-wire-lab-out-"));
  try {
    const folder = join(dir, "a-folder");
    mkdirSync(folder);
    const missing = join(dir, "missing", "out");
    assertRefused(run(["analyze", tutorial, "-o", missing]), /folder .*missing does not exist/);
    assertRefused(run(["analyze", tutorial, "-o", folder]), /a-folder is a directory/);
    assertRefused(run(["report", tutorial, "-o", folder]), /a-folder is a directory/);
    assertRefused(run(["redact", tutorial, "-o", `${missing}.pcap`]), /folder .*missing does not exist/);
    assertRefused(run(["redact", tutorial, "-o", folder, "--force"]), /a-folder is a directory/);
    // A file under a path whose "folder" is a file.
    writeFileSync(join(dir, "plain-file"), "x");
    assertRefused(run(["report", tutorial, "-o", join(dir, "plain-file", "r.html")]), /plain-file is a file, not a folder/);
    // Not a capture: no empty output file is left either.
    assertRefused(run(["analyze", join(projectRoot, "package.json"), "-o", join(dir, "out.csv")]), /not a pcap or pcapng capture/);
    assert.deepEqual(readdirSync(dir).sort(), ["a-folder", "plain-file"]);
    assert.deepEqual(readdirSync(folder), []);
    // And a good -o still writes the whole file, under its own name only.
    const good = run(["analyze", "--format", "csv", tutorial, "-o", join(dir, "out.csv")]);
    assert.equal(good.code, 0, good.stderr);
    assert.equal(readFileSync(join(dir, "out.csv"), "utf8"), expected.stdout);
    assert.deepEqual(readdirSync(dir).sort(), ["a-folder", "out.csv", "plain-file"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
