#!/usr/bin/env node
// The one test command (`npm test`): compile everything with the project's own
// TypeScript (not tslab's, which npm links as node_modules/.bin/tsc), then run
// every compiled test file with Node's built-in test runner.
//
//   npm test                 all tests
//   npm test -- pcapng tcp   only test files whose path contains one of the words
import { spawnSync } from "node:child_process";
import { readdirSync, statSync, existsSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
if (!existsSync(tsc)) {
  console.error("TypeScript is not installed: run `npm ci` (or `npm install`) first.");
  process.exit(2);
}
const build = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.json")], { stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

function walk(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...walk(path));
    else if (name.endsWith(".test.js")) found.push(path);
  }
  return found;
}
const filters = process.argv.slice(2);
const files = walk(join(root, "dist", "test"))
  .filter((f) => filters.length === 0 || filters.some((w) => relative(root, f).includes(w)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(" ")}`);
  process.exit(1);
}
const run = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...files], {
  stdio: "inherit",
  cwd: root,
});
process.exit(run.status ?? 1);
