/**
 * Progress on stderr for long files: percent of the file, frames/s and ETA.
 * Only when stderr is a terminal; pipes and CI logs get nothing.
 */
export class Progress {
  private readonly enabled: boolean;
  private readonly label: string;
  private readonly started = Date.now();
  private lastDraw = 0;
  private drawn = false;
  frames = 0;

  constructor(label: string, enabled = Boolean(process.stderr.isTTY)) {
    this.label = label;
    this.enabled = enabled;
  }

  update(bytesRead: number, totalBytes: number | undefined): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 250) return;
    this.lastDraw = now;
    const seconds = Math.max((now - this.started) / 1000, 1e-3);
    const rate = this.frames / seconds;
    let text = `${this.label}: ${formatCount(this.frames)} frames · ${formatCount(rate)} frames/s`;
    if (totalBytes && totalBytes > 0) {
      const fraction = Math.min(bytesRead / totalBytes, 1);
      const eta = fraction > 0 ? (seconds / fraction) * (1 - fraction) : 0;
      text = `${this.label}: ${(fraction * 100).toFixed(0)}% · ${formatCount(this.frames)} frames · ${formatCount(rate)} frames/s · ETA ${eta.toFixed(0)} s`;
    }
    process.stderr.write(`\r\x1b[K${text}`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) process.stderr.write("\r\x1b[K");
  }
}

function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}
