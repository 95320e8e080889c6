// The platform's TLS certificate: made once into the lab folder, read back on
// the next call, made again when it expires or its files are damaged, and good
// for a real TLS connection to localhost and 127.0.0.1.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";
import type { AddressInfo } from "node:net";
import { labCertificate } from "../lib/platform/certificate";

test("made on first use, kept, renewed when expired or damaged, private key readable by its owner only", async () => {
  const folder = join(mkdtempSync(join(tmpdir(), "iwl-cert-")), "tls");
  const first = await labCertificate({ folder });
  assert.equal(first.created, true);
  assert.equal(statSync(first.keyPath).mode & 0o077, 0, "no group or other access to the key");
  const second = await labCertificate({ folder });
  assert.equal(second.created, false);
  assert.equal(second.fingerprint, first.fingerprint);
  const later = await labCertificate({ folder, now: new Date(first.validTo.getTime() + 1000) });
  assert.equal(later.created, true, "expired: made again");
  assert.notEqual(later.fingerprint, first.fingerprint);
  writeFileSync(later.certPath, "not a certificate");
  const repaired = await labCertificate({ folder });
  assert.equal(repaired.created, true, "damaged: made again");
  assert.match(readFileSync(repaired.certPath, "utf8"), /BEGIN CERTIFICATE/);
});

test("a TLS client that trusts it connects to localhost and 127.0.0.1", async () => {
  const { key, cert } = await labCertificate({ folder: join(mkdtempSync(join(tmpdir(), "iwl-cert-")), "tls") });
  const server = tls.createServer({ key, cert }, (socket) => socket.end("ok"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  for (const servername of ["localhost", undefined]) {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: "127.0.0.1", port, ca: cert, ...(servername ? { servername } : {}) }, () => undefined);
      let text = "";
      socket.on("data", (d: Buffer) => (text += d.toString()));
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    assert.equal(answer, "ok");
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
