/** Small text helpers shared by summaries, tables and charts. */

/** A duration in seconds as a short human string: "71 µs", "1.25 ms", "3.00 s". */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "–";
  const abs = Math.abs(seconds);
  if (abs < 1e-3) return `${(seconds * 1e6).toFixed(0)} µs`;
  if (abs < 1) return `${(seconds * 1e3).toFixed(abs < 0.01 ? 2 : 1)} ms`;
  if (abs < 120) return `${seconds.toFixed(2)} s`;
  return `${(seconds / 60).toFixed(1)} min`;
}

/** Seconds with 3 decimals at most, for sentences: "1.25 s", "60 s". */
export function formatSeconds(seconds: number): string {
  return `${Number(seconds.toFixed(3))} s`;
}

/** Wireshark's relative time column: seconds with 6 decimals. */
export function formatRelativeTime(seconds: number): string {
  return seconds.toFixed(6);
}

/**
 * The whole microseconds that `seconds.toFixed(6)` shows, without toFixed's
 * cost (the packet list has a time per frame), or -1 where toFixed has to
 * decide. toFixed rounds the double's exact value; for 0 ≤ seconds < 10^6 the
 * product seconds × 10^6 (< 2^40) is within 2^-13 of that value times 10^6,
 * so rounding the product gives the same integer unless the product lies
 * within 10^-3 of a half.
 */
export function relativeTimeMicros(seconds: number): number {
  if (!(seconds >= 0 && seconds < 1e6)) return -1;
  const scaled = seconds * 1e6;
  const micros = Math.round(scaled);
  return Math.abs(Math.abs(scaled - micros) - 0.5) > 1e-3 ? micros : -1;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/**
 * Seconds since the epoch with 6 decimals (like toFixed(6), rounding the
 * microsecond half up), without toFixed's cost: it runs once per message in
 * CSV output.
 */
export function formatEpoch(seconds: number): string {
  const micros = Math.round(seconds * 1e6);
  const whole = Math.floor(micros / 1e6);
  const fraction = micros - whole * 1e6;
  return `${whole}.${fraction < 100000 ? String(fraction).padStart(6, "0") : fraction}`;
}
