/**
 * A file or stream that cannot be read as a capture at all (wrong format, not
 * found, unreadable). Damage part-way through a capture is never thrown: it is
 * reported as an issue and everything before it is kept.
 */
export class CaptureFileError extends Error {
  override name = "CaptureFileError";
}
