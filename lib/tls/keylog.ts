/**
 * The NSS key log format, written by OpenSSL, Node (`--tls-keylog`, the TLS
 * socket's `keylog` event), curl, browsers and anything that honours
 * SSLKEYLOGFILE, and read by Wireshark (`tls.keylog_file`). One secret a line:
 *
 *   <LABEL> <client random, 64 hex digits> <secret, hex>
 *
 * `#` starts a comment. Labels: CLIENT_RANDOM (the TLS 1.2 master secret, 48
 * bytes) and the TLS 1.3 traffic secrets. Lines are matched to connections by
 * the ClientHello's random.
 */

/** The secrets known for one connection (one ClientHello random). */
export interface ConnectionSecrets {
  /** TLS 1.2 master secret (CLIENT_RANDOM). */
  masterSecret?: Uint8Array;
  clientEarlyTrafficSecret?: Uint8Array;
  clientHandshakeTrafficSecret?: Uint8Array;
  serverHandshakeTrafficSecret?: Uint8Array;
  clientTrafficSecret0?: Uint8Array;
  serverTrafficSecret0?: Uint8Array;
}

const labelField: Readonly<Record<string, keyof ConnectionSecrets>> = {
  CLIENT_RANDOM: "masterSecret",
  CLIENT_EARLY_TRAFFIC_SECRET: "clientEarlyTrafficSecret",
  CLIENT_HANDSHAKE_TRAFFIC_SECRET: "clientHandshakeTrafficSecret",
  SERVER_HANDSHAKE_TRAFFIC_SECRET: "serverHandshakeTrafficSecret",
  CLIENT_TRAFFIC_SECRET_0: "clientTrafficSecret0",
  SERVER_TRAFFIC_SECRET_0: "serverTrafficSecret0",
};

/** Labels that are valid but carry nothing record decryption needs. */
const ignoredLabels = new Set(["EXPORTER_SECRET", "EARLY_EXPORTER_SECRET", "RSA"]);

export interface KeyLogProblem {
  /** 1-based line number in the key log. */
  line: number;
  message: string;
}

/** Secrets by client random (lower-case hex), plus what could not be read. */
export class KeyLog {
  private readonly byRandom = new Map<string, ConnectionSecrets>();
  readonly problems: KeyLogProblem[] = [];

  /** Number of connections with at least one secret. */
  get size(): number {
    return this.byRandom.size;
  }

  /** The secrets for the connection whose ClientHello random this is. */
  lookup(clientRandom: Uint8Array): ConnectionSecrets | undefined {
    return this.byRandom.get(Buffer.from(clientRandom.buffer, clientRandom.byteOffset, clientRandom.byteLength).toString("hex"));
  }

  /** Adds the lines of a key log text; returns this. A bad line is a problem, not an error. */
  add(text: string, lineOffset = 0): this {
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === "" || line.startsWith("#")) continue;
      const fields = line.split(/\s+/);
      const lineNumber = lineOffset + i + 1;
      if (fields.length !== 3) {
        this.problems.push({ line: lineNumber, message: `expected "LABEL client_random secret", got ${fields.length} fields` });
        continue;
      }
      const [label, random, secret] = fields;
      if (ignoredLabels.has(label)) continue;
      const field = labelField[label];
      if (!field) {
        this.problems.push({ line: lineNumber, message: `unknown label ${JSON.stringify(label.slice(0, 40))}` });
        continue;
      }
      if (!/^[0-9a-fA-F]{64}$/.test(random)) {
        this.problems.push({ line: lineNumber, message: "the client random must be 64 hex digits" });
        continue;
      }
      if (!/^(?:[0-9a-fA-F]{2})+$/.test(secret) || (field === "masterSecret" ? secret.length !== 96 : secret.length !== 64 && secret.length !== 96)) {
        this.problems.push({ line: lineNumber, message: `the ${label} secret must be ${field === "masterSecret" ? "48" : "32 or 48"} bytes of hex` });
        continue;
      }
      const key = random.toLowerCase();
      const entry = this.byRandom.get(key) ?? {};
      entry[field] = Uint8Array.from(Buffer.from(secret, "hex"));
      this.byRandom.set(key, entry);
    }
    return this;
  }

  static parse(text: string): KeyLog {
    return new KeyLog().add(text);
  }
}
