/**
 * The embedded platform's TLS certificate: made at first use and kept in the
 * lab folder (`$IOT_WIRE_LAB_HOME/tls/`, default `~/.iot-wire-lab/tls/`), so
 * that devices can trust one certificate across runs, as they trust the
 * cloud's CA.
 *
 * Node's crypto makes key pairs but not X.509 certificates, so the
 * certificate is issued with `selfsigned` (maintained, pure JavaScript on
 * WebCrypto, no OpenSSL binary): an ECDSA P-256 key, valid for `localhost`,
 * 127.0.0.1 and ::1, for one year. An expired or unreadable pair is made again.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generate } from "selfsigned";
import { labHome } from "../device/registry";

export interface LabCertificate {
  /** PEM private key (a secret: never print it). */
  key: string;
  /** PEM certificate: what a device passes as its trusted CA. */
  cert: string;
  keyPath: string;
  certPath: string;
  /** SHA-256 fingerprint, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprint: string;
  validTo: Date;
  /** Made by this call (false: read from the lab folder). */
  created: boolean;
}

export interface LabCertificateOptions {
  /** Folder for the pair (default `<lab home>/tls`). */
  folder?: string;
  /** Now, for expiry checks (tests). */
  now?: Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function readPair(keyPath: string, certPath: string, now: Date): Omit<LabCertificate, "created"> | undefined {
  if (!existsSync(keyPath) || !existsSync(certPath)) return undefined;
  try {
    const key = readFileSync(keyPath, "utf8");
    const cert = readFileSync(certPath, "utf8");
    const x509 = new X509Certificate(cert);
    const validTo = new Date(x509.validTo);
    // Renew a day early, so a run that starts just before expiry does not fail half-way.
    if (validTo.getTime() - DAY_MS < now.getTime()) return undefined;
    if (!x509.checkPrivateKey(createPrivateKey(key))) return undefined;
    return { key, cert, keyPath, certPath, fingerprint: x509.fingerprint256, validTo };
  } catch {
    return undefined;
  }
}

/** Where the lab certificate (the PEM devices trust) is kept. */
export function labCertificatePath(folder = join(labHome(), "tls")): string {
  return join(folder, "platform-cert.pem");
}

/** The platform's certificate and key, made and saved on first use. */
export async function labCertificate(options: LabCertificateOptions = {}): Promise<LabCertificate> {
  const folder = options.folder ?? join(labHome(), "tls");
  const now = options.now ?? new Date();
  const keyPath = join(folder, "platform-key.pem");
  const certPath = labCertificatePath(folder);
  const existing = readPair(keyPath, certPath, now);
  if (existing) return { ...existing, created: false };

  const pems = await generate([{ name: "commonName", value: "iot-wire-lab embedded platform" }], {
    keyType: "ec",
    curve: "P-256",
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 365 * DAY_MS),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }, { type: 7, ip: "127.0.0.1" }, { type: 7, ip: "::1" }] },
    ],
  });
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  // Written beside and renamed, so a reader never sees half a key.
  writeFileSync(`${keyPath}.partial`, pems.private, { mode: 0o600 });
  writeFileSync(`${certPath}.partial`, pems.cert, { mode: 0o644 });
  renameSync(`${keyPath}.partial`, keyPath);
  renameSync(`${certPath}.partial`, certPath);
  const x509 = new X509Certificate(pems.cert);
  return { key: pems.private, cert: pems.cert, keyPath, certPath, fingerprint: x509.fingerprint256, validTo: new Date(x509.validTo), created: true };
}
