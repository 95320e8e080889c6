/** Option values shared by the subcommands, each refused with a one-line UsageError. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./errors";

/** A subcommand's options and positionals; a bad option is a UsageError followed by the command's usage. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  argv: string[],
  options: T,
  usage: string,
): ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: T }>> {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${usage}`);
  }
}

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
