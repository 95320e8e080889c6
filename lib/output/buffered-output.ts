/**
 * Text output with back-pressure: text is gathered into one large string and
 * written in big pieces (V8 joins the pieces once, at the write), and the
 * producer awaits `drain()` between capture chunks, so a slow pipe (`| less`)
 * slows the analysis instead of filling memory.
 */
const FLUSH_AT = 1 << 16;

export class BufferedOutput {
  private pending = "";
  private blocked = false;
  private readonly stream: NodeJS.WritableStream;

  constructor(stream: NodeJS.WritableStream) {
    this.stream = stream;
  }

  write(text: string): void {
    this.pending += text;
    if (this.pending.length >= FLUSH_AT) this.flush();
  }

  line(text: string): void {
    this.pending += text;
    this.pending += "\n";
    if (this.pending.length >= FLUSH_AT) this.flush();
  }

  /** Bytes already encoded (e.g. a spooled file). */
  writeBytes(bytes: Buffer): void {
    this.flush();
    if (!this.stream.write(bytes)) this.blocked = true;
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const text = this.pending;
    this.pending = "";
    if (!this.stream.write(text)) this.blocked = true;
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
