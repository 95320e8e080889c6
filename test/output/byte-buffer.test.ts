import { test } from "node:test";
import assert from "node:assert/strict";
import { formatEpoch, relativeTimeMicros } from "../../lib/analysis/format";
import { ByteBuffer } from "../../lib/output/byte-buffer";
import { csvField } from "../../lib/output/csv";

function written(write: (out: ByteBuffer) => void): string {
  const out = new ByteBuffer(8);
  write(out);
  return out.bytes.subarray(0, out.length).toString("utf8");
}

/** Whole numbers at every digit-count boundary, odd values, and a deterministic sweep. */
function numbers(): number[] {
  const values = [0, -0, 1, -1, 2147483647, 2147483648, -2147483648, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 1e21, 0.5, 1.5, -2.25, 1e-7, 0.1 + 0.2, 1795694509.544529, Number.NaN, Infinity, -Infinity];
  for (let p = 1; p <= 1e15; p *= 10) values.push(p - 1, p, p + 1);
  let seed = 12345;
  for (let i = 0; i < 20000; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    values.push(seed >>> (i % 31), seed / 1000);
  }
  return values;
}

test("integer() and number() write what String() does", () => {
  for (const value of numbers()) {
    assert.equal(written((out) => out.number(value)), String(value), `number(${value})`);
    assert.equal(written((out) => out.integer(value)), String(value), `integer(${value})`);
  }
  // number() caches String() by the double's bits: a second pass reads the cache.
  for (const value of numbers()) assert.equal(written((out) => out.number(value)), String(value), `cached number(${value})`);
});

test("epoch() writes what formatEpoch() does", () => {
  for (const seconds of [0, 0.0000005, 0.9999995, 1700000000, 1700000000.000001, 1700000000.9999996, 1795694509.544529, -1.25, 4102444800.1234565]) {
    assert.equal(written((out) => out.epoch(seconds)), formatEpoch(seconds), String(seconds));
  }
});

test("relativeTimeMicros() gives toFixed(6)'s digits, or -1 where only toFixed can tell", () => {
  // Half-way values (where rounding the product could differ from rounding the
  // exact double), every magnitude up to the limit and past it, and a sweep.
  const values = [0, -0, 5e-7, 1.5e-6, 2.5e-6, 0.0000015, 0.1234565, 1.0000005, 86400.0000005, 999999.9999995, 999999.9999994, 1e6, 1e6 + 0.5, -1e-9, -0.25, Number.NaN, Infinity, 1e-300, 2 ** -30];
  for (let p = 1e-6; p <= 1e7; p *= 10) values.push(p, p * 0.9999995, p + 5e-7, p - 5e-7);
  let seed = 777;
  for (let i = 0; i < 200000; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const scale = 10 ** ((seed >>> 8) % 8) / 1e2;
    values.push((seed / 2 ** 32) * scale, Math.floor((seed / 2 ** 32) * 1e9) / 1e6 + 5e-7);
  }
  let fast = 0;
  for (const seconds of values) {
    const micros = relativeTimeMicros(seconds);
    if (micros < 0) continue;
    fast++;
    const whole = Math.floor(micros / 1e6);
    const text = `${whole}.${String(micros - whole * 1e6).padStart(6, "0")}`;
    assert.equal(text, seconds.toFixed(6), String(seconds));
  }
  // Half of the sweep sits on a half-microsecond (toFixed decides those); the rest takes the fast path.
  assert.ok(fast > 0.49 * values.length && fast < 0.51 * values.length, `${fast} of ${values.length}`);
  assert.equal(relativeTimeMicros(5e-7), -1);
  assert.equal(relativeTimeMicros(-0.25), -1);
  assert.equal(relativeTimeMicros(1e6), -1);
});

test("text(), csvField() and jsonString() match their string versions, growing the buffer as needed", () => {
  const strings = ["", "plain/topic", "a,b", 'say "hi"', "two\nlines", "cr\rhere", "tab\there", "temp/温度/😀", "lone \ud800 high", "del\u007f", "x".repeat(100000), "é".repeat(40000)];
  for (const value of strings) {
    assert.ok(Buffer.from(written((out) => out.text(value))).equals(Buffer.from(value, "utf8")), `text ${value.slice(0, 20)}`);
    assert.equal(written((out) => out.text(csvField(value))), Buffer.from(csvField(value), "utf8").toString("utf8"));
    assert.equal(written((out) => out.jsonString(value)), JSON.stringify(value));
  }
});
