// Golden outputs: the full analysis of every fixture capture, checked in under
// test/golden/ and reviewed in diffs. Regenerate after an intended change with
//   UPDATE_GOLDEN=1 npm test -- golden
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { fixtureDir, goldenDir } from "../helpers/fixtures";
import { publicCapturesDir } from "../helpers/tools";

const update = process.env.UPDATE_GOLDEN === "1";

function captures(): Array<{ file: string; golden: string }> {
  const list: Array<{ file: string; golden: string }> = [];
  for (const [dir, prefix] of [
    [fixtureDir, ""],
    [publicCapturesDir, "public-"],
  ] as const) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (/\.(pcap|pcapng)$/.test(name)) list.push({ file: join(dir, name), golden: join(goldenDir, `${prefix}${name}.json`) });
    }
  }
  return list.sort((a, b) => a.file.localeCompare(b.file));
}

/** The analysis as checked in: stable across machines (no absolute paths), pretty-printed. */
async function goldenText(file: string): Promise<string> {
  const analysis = await analyzeCapture(file);
  const { source: _source, ...capture } = analysis.capture;
  return `${JSON.stringify({ ...analysis, capture }, null, 1)}\n`;
}

for (const { file, golden } of captures()) {
  test(`golden: ${golden.split("/").slice(-1)[0]}`, async () => {
    const actual = await goldenText(file);
    if (update || !existsSync(golden)) {
      mkdirSync(goldenDir, { recursive: true });
      writeFileSync(golden, actual);
      if (!update) assert.fail(`${golden} did not exist and was written: review it and commit it`);
      return;
    }
    const expected = readFileSync(golden, "utf8");
    if (actual !== expected) {
      // Point at the first differing line, which is what a reviewer needs.
      const a = actual.split("\n");
      const e = expected.split("\n");
      const line = a.findIndex((text, i) => text !== e[i]);
      assert.fail(`${golden} differs at line ${line + 1}:\n  expected: ${e[line]}\n  actual:   ${a[line]}\n(UPDATE_GOLDEN=1 npm test -- golden to accept an intended change)`);
    }
  });
}
