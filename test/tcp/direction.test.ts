// The scaled window (RFC 7323 §2.3) is the window field times 2^shift, for
// every shift a SYN can carry and past what a shift can do in 32 bits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { scaledWindow } from "../../lib/tcp/direction";

test("scaledWindow is the window times 2 to the shift, for shifts 0 to 40", () => {
  for (const window of [0, 1, 512, 65535]) {
    for (let shift = 0; shift <= 40; shift++) {
      assert.equal(scaledWindow(window, shift), window * Math.pow(2, shift), `window ${window} shift ${shift}`);
    }
  }
});
