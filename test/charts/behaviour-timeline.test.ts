// The behaviour timeline: silences against the keep-alive and reconnect gaps,
// on the misbehaving fixture (every kind of bar), the tutorial (none worth
// drawing) and a crafted capture (exact bars), and it renders with vega.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { analyzeCapture } from "../../lib/analysis/analyze";
import { checkBehaviour } from "../../lib/behaviour";
import { behaviourTimeline } from "../../lib/charts/behaviour-timeline";
import { renderSvg } from "../../lib/display/render";
import { fixtureDir } from "../helpers/fixtures";
import { login, mqttConversation, pingreq } from "../helpers/mqtt-conversation";

type Bar = { row: string; start: number; end: number; seconds: number; keepalive: number | null; kind: string };

function bars(spec: unknown): Bar[] {
  return (spec as { data: { values: Bar[] } }).data.values;
}

test("behaviourTimeline: a crafted capture's silences are classed against the keep-alive, the last one ends at the close", async () => {
  const analysis = await analyzeCapture(
    mqttConversation([...login(0, 0, "dev", { keepalive: 10 }), { at: 9, conn: 0, from: "client", packet: pingreq }, { at: 21, conn: 0, from: "client", packet: pingreq }, { at: 37.5, conn: 0, close: "server" }]),
  );
  const shown = bars(behaviourTimeline(analysis));
  assert.deepEqual(
    shown.map((b) => [b.kind, Math.round(b.seconds)]),
    [
      ["within keep-alive", 9],
      ["past keep-alive", 12],
      ["past 1.5× keep-alive", 17],
    ],
  );
  assert.ok(shown.every((b) => b.row === "stream 0 · dev · keep-alive 10 s" && b.keepalive === 10));
});

test("behaviourTimeline: the misbehaving fixture shows a silence past 1.5× keep-alive and the reconnect gaps; it renders", async () => {
  const analysis = await analyzeCapture(join(fixtureDir, "misbehaving.pcapng"));
  const spec = behaviourTimeline(analysis, checkBehaviour(analysis));
  const kinds = new Set(bars(spec).map((b) => b.kind));
  assert.ok(kinds.has("past 1.5× keep-alive"));
  assert.ok(kinds.has("reconnect gap"));
  assert.ok(bars(spec).filter((b) => b.kind === "reconnect gap").length >= 3);
  const svg = await renderSvg(spec);
  assert.match(svg, /^<svg/);
  assert.match(svg, /reconnects · a1WireLabDm\.other-device/);
});

test("behaviourTimeline: the tutorial has no long silence: an empty chart that says so", async () => {
  const analysis = await analyzeCapture(join(fixtureDir, "tutorial.pcapng"));
  const spec = behaviourTimeline(analysis, checkBehaviour(analysis));
  assert.match(spec.description, /no silence/);
});
