// Loading the library inside a user's own worker thread must not start the
// capture reader's worker code there: that code runs only in a worker the
// threaded reader started itself (its workerData carries the reader's marker).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { join } from "node:path";

test("the library loaded in a user Worker posts nothing to the parent", async () => {
  const library = join(__dirname, "..", "..", "lib", "index.js");
  // The user's worker loads the library, waits a moment (the capture worker's
  // read would fail and post an error message), then says it is done.
  const source = `
    const { parentPort } = require("node:worker_threads");
    require(${JSON.stringify(library)});
    setTimeout(() => parentPort.postMessage("user: done"), 300);
  `;
  const worker = new Worker(source, { eval: true, workerData: { anything: "the user's own data" } });
  const received: unknown[] = [];
  await new Promise<void>((resolve, reject) => {
    worker.on("message", (message: unknown) => {
      received.push(message);
      if (message === "user: done") resolve();
    });
    worker.on("error", reject);
  });
  await worker.terminate();
  assert.deepEqual(received, ["user: done"], "only the user's own message reached the parent");
});
