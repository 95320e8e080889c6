// `iot-wire-lab doctor`: what works on this machine for the workshop (Node,
// capture, Jupyter and its kernel, the browser for the report, tshark,
// mosquitto), each line OK or MISSING with the fix. See lib/workshop/doctor.ts.
import { parseCommandLine } from "./device";
import { UsageError } from "./errors";
import { formatChecks, runChecks } from "../workshop/doctor";

const USAGE = `usage: iot-wire-lab doctor [--json]      (npx iot-wire-lab doctor)

Checks what the workshop needs on this machine: Node.js, a capture tool and
the right to capture, Jupyter and the tslab kernel, a browser for the HTML
report, and (optional) tshark and mosquitto. Each line says OK or MISSING,
with the command that fixes it on this system. Exit code 0 when everything
needed is there, 1 when something is MISSING (optional parts aside).

options:
  --json       the checks as JSON
  -h, --help   this text`;

export async function run(argv: string[]): Promise<number> {
  const line = parseCommandLine(argv, { help: { type: "boolean", short: "h" }, json: { type: "boolean" } }, "doctor");
  if (line.flag("help")) {
    console.log(USAGE);
    return 0;
  }
  if (line.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(line.positionals[0])}`);
  const checks = runChecks();
  if (line.flag("json")) console.log(JSON.stringify(checks, null, 2));
  else for (const text of formatChecks(checks)) console.log(text);
  return checks.some((c) => c.status === "MISSING" && !c.optional) ? 1 : 0;
}
