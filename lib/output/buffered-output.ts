/**
 * Line output with back-pressure: text is gathered into large writes, and the
 * producer awaits `drain()` between capture chunks, so a slow pipe (`| less`)
 * slows the analysis instead of filling memory.
 */
export class BufferedOutput {
  private parts: string[] = [];
  private size = 0;
  private blocked = false;
  private readonly stream: NodeJS.WritableStream;
  private readonly flushAt: number;

  constructor(stream: NodeJS.WritableStream, flushAt = 1 << 16) {
    this.stream = stream;
    this.flushAt = flushAt;
  }

  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.flushAt) this.flush();
  }

  line(text: string): void {
    this.write(text + "\n");
  }

  flush(): void {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join("");
    this.parts = [];
    this.size = 0;
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
