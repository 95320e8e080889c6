// A TCP relay on the loopback that records the bytes each side sends, in
// order, as TCP reassembly would hand them to a stream consumer.
import { createServer, connect, type AddressInfo } from "node:net";

export interface RecordedChunk {
  fromClient: boolean;
  bytes: Buffer;
}

export interface RecordingRelay {
  port: number;
  chunks: RecordedChunk[];
  close(): Promise<void>;
}

export async function startRecordingRelay(targetPort: number): Promise<RecordingRelay> {
  const chunks: RecordedChunk[] = [];
  const relay = createServer((inbound) => {
    const outbound = connect(targetPort, "127.0.0.1");
    inbound.on("data", (data: Buffer) => {
      chunks.push({ fromClient: true, bytes: Buffer.from(data) });
      outbound.write(data);
    });
    outbound.on("data", (data: Buffer) => {
      chunks.push({ fromClient: false, bytes: Buffer.from(data) });
      inbound.write(data);
    });
    inbound.on("end", () => outbound.end());
    outbound.on("end", () => inbound.end());
    inbound.on("error", () => outbound.destroy());
    outbound.on("error", () => inbound.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  return {
    port: (relay.address() as AddressInfo).port,
    chunks,
    close: () => new Promise<void>((resolve) => relay.close(() => resolve())),
  };
}
