// A real TLS conversation between Node's TLS client and server (OpenSSL),
// recorded as the bytes each side put on the TCP connection, through a small
// relay on the loopback, with the client's key log. The session tests feed
// these bytes to TlsSession exactly as TCP reassembly would.
import type { AddressInfo } from "node:net";
import * as tls from "node:tls";
import { generate } from "selfsigned";
import { startRecordingRelay, type RecordedChunk } from "./recording-relay";


export interface TlsConversation {
  chunks: RecordedChunk[];
  /** NSS key log lines written by the client. */
  keylog: string;
  protocol: string | null;
  cipher: string;
  /** The application bytes each side wrote. */
  clientSent: Buffer;
  serverSent: Buffer;
}

let certificate: Promise<{ key: string; cert: string }> | undefined;

/** One self-signed P-256 certificate for localhost, made once per test process. */
export function testCertificate(): Promise<{ key: string; cert: string }> {
  certificate ??= generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    curve: "P-256",
    extensions: [{ name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }, { type: 7, ip: "127.0.0.1" }] }],
  }).then((pems) => ({ key: pems.private, cert: pems.cert }));
  return certificate;
}

export interface ConversationOptions {
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  /** OpenSSL cipher list (TLS 1.2) */
  ciphers?: string;
  /** TLS 1.3 suites, e.g. "TLS_CHACHA20_POLY1305_SHA256" (both sides offer only these) */
  ciphersuites?: string;
  secureOptions?: number;
  alpn?: string[];
  /** Messages the client writes, each answered by the server with `reply(message)`. */
  messages: Buffer[];
  reply?: (message: Buffer) => Buffer;
}

export async function recordTlsConversation(options: ConversationOptions): Promise<TlsConversation> {
  const { key, cert } = await testCertificate();
  const reply = options.reply ?? ((m: Buffer) => Buffer.concat([Buffer.from("echo:"), m]));
  const serverSent: Buffer[] = [];
  const tlsServer = tls.createServer(
    {
      key,
      cert,
      minVersion: options.minVersion,
      maxVersion: options.maxVersion,
      ...(options.ciphers || options.ciphersuites ? { ciphers: options.ciphers ?? options.ciphersuites } : {}),
      ...(options.secureOptions ? { secureOptions: options.secureOptions } : {}),
      ...(options.alpn ? { ALPNProtocols: options.alpn } : {}),
    },
    (socket) => {
      socket.on("data", (data: Buffer) => {
        const answer = reply(data);
        serverSent.push(answer);
        socket.write(answer);
      });
      socket.on("end", () => socket.end());
      socket.on("error", () => undefined);
    },
  );
  await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
  const serverPort = (tlsServer.address() as AddressInfo).port;

  // The relay records each direction's bytes as they pass.
  const relay = await startRecordingRelay(serverPort);
  const chunks = relay.chunks;
  const relayPort = relay.port;

  const keylog: string[] = [];
  const client = tls.connect({
    host: "127.0.0.1",
    port: relayPort,
    servername: "localhost",
    ca: cert,
    minVersion: options.minVersion,
    maxVersion: options.maxVersion,
    ...(options.ciphers || options.ciphersuites ? { ciphers: options.ciphers ?? options.ciphersuites } : {}),
    ...(options.secureOptions ? { secureOptions: options.secureOptions } : {}),
    ...(options.alpn ? { ALPNProtocols: options.alpn } : {}),
  } as tls.ConnectionOptions);
  client.on("keylog", (line: Buffer) => keylog.push(line.toString("latin1")));
  await new Promise<void>((resolve, reject) => {
    client.once("secureConnect", resolve);
    client.once("error", reject);
  });
  const protocol = client.getProtocol();
  const cipher = client.getCipher().standardName;
  for (const message of options.messages) {
    const expected = reply(message).length;
    let received = 0;
    await new Promise<void>((resolve) => {
      const onData = (data: Buffer) => {
        received += data.length;
        if (received >= expected) {
          client.off("data", onData);
          resolve();
        }
      };
      client.on("data", onData);
      client.write(message);
    });
  }
  await new Promise<void>((resolve) => {
    client.once("close", () => resolve());
    client.end();
  });
  await relay.close();
  await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
  return { chunks, keylog: keylog.join(""), protocol, cipher, clientSent: Buffer.concat(options.messages), serverSent: Buffer.concat(serverSent) };
}
