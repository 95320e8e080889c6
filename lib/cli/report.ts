/**
 * `iot-wire-lab report <capture> -o report.html`: analyse a capture and write
 * the self-contained HTML report (summary, phases, charts, packet list,
 * issues). See ../report/report.ts.
 */
import { basename, extname } from "node:path";
import { analyzeCapture, type AnalyzeCaptureOptions } from "../analysis/analyze";
import { formatBytes } from "../analysis/format";
import { writeReport } from "../report/report";
import { integerOption, parseCommandArgs, portOptions } from "./args";
import { UsageError } from "./errors";
import { checkOutputPath } from "./output-path";

export const reportUsage = `usage: iot-wire-lab report <capture.pcap|pcapng> [options]

Write an HTML report of a capture: summary, connections, phases, charts (flow
graph, phase timeline, response times, bytes, TCP sequence graph), the packet
list and the issues. The page is self-contained: no scripts, no network.

options:
  -o, --output FILE     where to write the report (default: <capture name>-report.html)
  --title TEXT          the page title (default: "Capture report: <file name>")
  --mqtt-port N         also decode port N as MQTT (repeatable; 1883 always is)
  --redact              replace CONNECT passwords with <redacted N bytes>
  --max-packets N       rows of the packet list (default 1000)
  -h, --help            this text

Exit codes: 0 written, 1 a chart failed to render, 2 not a usable capture or bad options.`;

export interface ReportCommandOptions {
  file: string;
  output: string;
  title: string | undefined;
  maxPackets: number;
  analyze: AnalyzeCaptureOptions;
}


export function parseReportArgs(argv: string[]): ReportCommandOptions | "help" {
  const parsed = parseCommandArgs(
    argv,
    {
      output: { type: "string", short: "o" },
      title: { type: "string" },
      "mqtt-port": { type: "string", multiple: true },
      redact: { type: "boolean", default: false },
      "max-packets": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    reportUsage,
  );
  const values = parsed.values;
  if (values.help) return "help";
  if (parsed.positionals.length !== 1) throw new UsageError(`expected one capture file, got ${parsed.positionals.length}\n\n${reportUsage}`);
  const file = parsed.positionals[0];
  const output = values.output ?? `${basename(file, extname(file))}-report.html`;
  return {
    file,
    output,
    title: values.title,
    maxPackets: values["max-packets"] !== undefined ? integerOption(values["max-packets"], "--max-packets", 0, 10_000_000) : 1000,
    analyze: {
      mqttPorts: portOptions(values["mqtt-port"], "--mqtt-port"),
      redactPasswords: values.redact,
    },
  };
}

export async function run(argv: string[]): Promise<number> {
  const options = parseReportArgs(argv);
  if (options === "help") {
    console.log(reportUsage);
    return 0;
  }
  checkOutputPath(options.output, { createsFolder: true });
  const analysis = await analyzeCapture(options.file, options.analyze);
  let result: Awaited<ReturnType<typeof writeReport>>;
  try {
    result = await writeReport(analysis, options.output, { title: options.title, maxPackets: options.maxPackets });
  } catch (error) {
    if (!(error as NodeJS.ErrnoException).code) throw error;
    throw new UsageError(`cannot write ${options.output}: ${(error as Error).message}`);
  }
  const c = analysis.capture;
  console.log(`wrote ${result.file} (${formatBytes(result.bytes)}): ${c.frames} frames, ${c.connections} connection(s), ${c.phases} phase(s), ${result.charts} chart(s)`);
  for (const error of result.chartErrors) console.error(`iot-wire-lab report: chart failed: ${error}`);
  return result.chartErrors.length > 0 ? 1 : 0;
}
