/**
 * The one error of live capture: what went wrong (a code a caller can branch
 * on), what to do about it (fixes, most direct first) and what the tool said.
 */
export type LiveCaptureErrorCode = "no-tool" | "permission" | "no-interface" | "rootless" | "bad-option" | "failed";

/** A live capture that cannot start or did not work; the message says what to do. */
export class LiveCaptureError extends Error {
  override name = "LiveCaptureError";
  readonly code: LiveCaptureErrorCode;
  /** Commands or steps that fix it, most direct first. */
  readonly fixes: string[];
  /** What the tool printed, when it ran. */
  readonly stderr: string | undefined;

  constructor(code: LiveCaptureErrorCode, summary: string, fixes: string[] = [], stderr?: string) {
    super(fixes.length > 0 ? `${summary}\n${fixes.map((f) => `  - ${f}`).join("\n")}` : summary);
    this.code = code;
    this.fixes = fixes;
    this.stderr = stderr;
  }
}
