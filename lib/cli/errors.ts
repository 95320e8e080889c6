/** A command line that cannot be run as given: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export { CaptureFileError } from "../capture/errors";
