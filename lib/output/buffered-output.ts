/**
 * Text output with back-pressure: text is encoded straight into a large
 * buffer and written in big chunks, and the producer awaits `drain()` between
 * capture chunks, so a slow pipe (`| less`) slows the analysis instead of
 * filling memory.
 */
const CHUNK = 1 << 20;

export class BufferedOutput {
  private buffer = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  private blocked = false;
  private readonly stream: NodeJS.WritableStream;

  constructor(stream: NodeJS.WritableStream) {
    this.stream = stream;
  }

  write(text: string): void {
    // Worst case UTF-8 is 3 bytes per UTF-16 unit.
    if (this.used + text.length * 3 > this.buffer.length) {
      this.flush();
      if (text.length * 3 > this.buffer.length) {
        if (!this.stream.write(text)) this.blocked = true;
        return;
      }
    }
    this.used += this.buffer.write(text, this.used, "utf8");
  }

  /** Bytes already encoded (e.g. a spooled file). */
  writeBytes(bytes: Buffer): void {
    this.flush();
    if (!this.stream.write(bytes)) this.blocked = true;
  }

  line(text: string): void {
    this.write(text + "\n");
  }

  flush(): void {
    if (this.used === 0) return;
    // The stream keeps the chunk until it is written: hand it over and start a new one.
    const chunk = this.buffer.subarray(0, this.used);
    this.buffer = Buffer.allocUnsafe(CHUNK);
    this.used = 0;
    if (!this.stream.write(chunk)) this.blocked = true;
  }

  /** Resolve once the stream can take more. */
  async drain(): Promise<void> {
    this.flush();
    if (!this.blocked) return;
    this.blocked = false;
    await new Promise<void>((resolve) => this.stream.once("drain", () => resolve()));
  }

  /** Flush and wait until everything written has been handed to the OS. */
  async end(): Promise<void> {
    this.flush();
    await new Promise<void>((resolve) => this.stream.write("", () => resolve()));
  }
}
