/** Option values shared by the subcommands, each refused with a one-line UsageError. */
import { UsageError } from "./errors";

/** A whole number from `min` to `max`. */
export function integerOption(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} needs a whole number from ${min} to ${max}, not '${text}'`);
  return n;
}

/** TCP ports given with a repeatable flag such as --mqtt-port. */
export function portOptions(values: readonly string[] | undefined, flag: string): number[] {
  return (values ?? []).map((text) => integerOption(text, flag, 1, 65535));
}
