/**
 * Text output with back-pressure: text is gathered into one large string and
 * written in big pieces (V8 joins the pieces once, at the write), and the
 * producer awaits `drain()` between capture chunks, so a slow pipe (`| less`)
 * slows the analysis instead of filling memory.
 *
 * Per-message output can instead be written as bytes (`writeWith()`,
 * `lineWith()`, see byte-buffer.ts); text and bytes go out in the order they
 * were written.
 */
import { ByteBuffer } from "./byte-buffer";

const FLUSH_AT = 1 << 16;
const BYTES_FLUSH_AT = 1 << 18;

export class BufferedOutput {
  private pending = "";
  private readonly byteBuffer = new ByteBuffer(BYTES_FLUSH_AT + (1 << 12));
  private blocked = false;
  private readonly stream: NodeJS.WritableStream;

  constructor(stream: NodeJS.WritableStream) {
    this.stream = stream;
  }

  write(text: string): void {
    if (this.byteBuffer.length > 0) this.flushBytes();
    this.pending += text;
    if (this.pending.length >= FLUSH_AT) this.flush();
  }

  line(text: string): void {
    if (this.byteBuffer.length > 0) this.flushBytes();
    this.pending += text;
    this.pending += "\n";
    if (this.pending.length >= FLUSH_AT) this.flush();
  }

  /** Bytes already encoded (e.g. a spooled file). */
  writeBytes(bytes: Buffer): void {
    this.flush();
    if (!this.stream.write(bytes)) this.blocked = true;
  }

  /**
   * Write `value` with a byte writer (see byte-buffer.ts), after any text
   * written before it.
   */
  writeWith<T>(write: (value: T, out: ByteBuffer) => void, value: T): void {
    if (this.pending.length > 0) this.flushText();
    write(value, this.byteBuffer);
    if (this.byteBuffer.length >= BYTES_FLUSH_AT) this.flushBytes();
  }

  /** writeWith(), then a newline. */
  lineWith<T>(write: (value: T, out: ByteBuffer) => void, value: T): void {
    if (this.pending.length > 0) this.flushText();
    write(value, this.byteBuffer);
    this.byteBuffer.byte(0x0a);
    if (this.byteBuffer.length >= BYTES_FLUSH_AT) this.flushBytes();
  }

  flush(): void {
    this.flushText();
    this.flushBytes();
  }

  private flushText(): void {
    if (this.pending.length === 0) return;
    const text = this.pending;
    this.pending = "";
    if (!this.stream.write(text)) this.blocked = true;
  }

  private flushBytes(): void {
    if (this.byteBuffer.length === 0) return;
    if (!this.stream.write(this.byteBuffer.take())) this.blocked = true;
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
