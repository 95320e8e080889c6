// The shape of lib/: every import between folders follows an arrow of the
// allowed graph below (the same picture as the README's architecture section),
// and no file imports itself back through others (type-only imports count).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** Folder → the folders it may import. `index` is lib/index.ts, the public entry point. */
const allowed: Record<string, string[]> = {
  expert: [],
  text: [],
  layers: [],
  capture: ["expert"],
  live: [],
  tcp: ["layers"],
  // Stream layers under MQTT (TCP → TLS → WebSocket → MQTT): pure sessions, wired into the stream table by analysis/.
  tls: ["layers"],
  websocket: [],
  mqtt: ["expert", "layers", "tcp"],
  device: ["mqtt"],
  platform: ["device", "mqtt", "text"],
  simulator: ["device"],
  analysis: ["expert", "capture", "layers", "tcp", "tls", "websocket", "mqtt"],
  output: ["expert", "mqtt", "analysis", "text"],
  behaviour: ["expert", "mqtt", "device", "analysis", "output"],
  charts: ["expert", "mqtt", "simulator", "analysis", "output", "behaviour"],
  display: ["expert", "device", "analysis", "output", "charts"],
  share: ["expert", "capture", "layers", "mqtt", "analysis"],
  lab: ["expert", "capture", "live", "mqtt", "device", "platform", "simulator", "analysis", "output"],
  report: ["expert", "analysis", "output", "behaviour", "charts", "display", "lab"],
  tutorial: ["expert", "capture", "live", "mqtt", "device", "platform", "simulator", "analysis", "output", "report", "lab"],
  workshop: ["expert", "capture", "live", "device", "analysis", "output", "text", "tutorial"],
  notebook: ["expert", "capture", "live", "mqtt", "device", "platform", "simulator", "analysis", "output", "behaviour", "charts", "display", "lab", "tutorial"],
  cli: ["expert", "text", "capture", "live", "tls", "device", "platform", "simulator", "analysis", "output", "behaviour", "report", "share", "lab", "tutorial", "workshop"],
};
/** Edges that break the graph and are not fixed yet ("from-file -> to-file"); empty now. Never add to it. */
const knownExceptions = new Set<string>([]);

const lib = resolve(__dirname, "..", "..", "lib");
const files = (function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : name.endsWith(".ts") ? [join(dir, name)] : []));
})(lib);
const folderOf = (file: string) => (relative(lib, file).includes("/") ? relative(lib, file).split("/")[0] : "index");
const importsOf = (file: string): string[] =>
  [...readFileSync(file, "utf8").matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+)["'](\.{1,2}\/[^"']+)["']/gm)].map((m) => {
    const target = resolve(dirname(file), m[1]);
    return [`${target}.ts`, join(target, "index.ts"), target].find((candidate) => existsSync(candidate) && statSync(candidate).isFile()) ?? target;
  });
const graph = new Map(files.map((file) => [file, importsOf(file)]));

test("architecture: every import between lib/ folders is an arrow of the allowed graph", () => {
  const violations: string[] = [];
  for (const [file, targets] of graph) {
    for (const target of targets) {
      const [from, to] = [folderOf(file), folderOf(target)];
      const edge = `${relative(lib, file)} -> ${relative(lib, target)}`;
      if (from !== to && from !== "index" && !allowed[from]?.includes(to) && !knownExceptions.has(edge)) violations.push(`${edge} (${from} → ${to})`);
    }
  }
  assert.deepEqual(violations, []);
});

test("architecture: no import cycle between files of lib/", () => {
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") return void cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(lib, f)).join(" → "));
    state.set(file, "open");
    for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
    state.set(file, "done");
  };
  for (const file of files) visit(file, []);
  assert.deepEqual(cycles, []);
});
