#!/usr/bin/env node
// iot-wire-lab: the command-line entry point. Each subcommand lives in its own
// module and exports `run(argv: string[]): Promise<number>` (the exit code).
import { UsageError, CaptureFileError } from "./errors";

type Runner = (argv: string[]) => Promise<number>;

// Subcommands load lazily (a plain require of the compiled module), so
// `analyze` never pays for loading the MQTT broker or the chart renderer.
const subcommands: Record<string, { summary: string; load: () => Runner }> = {
  analyze: {
    summary: "decode a pcap/pcapng capture into TCP connections, MQTT messages and phases",
    load: () => (require("./analyze") as typeof import("./analyze")).run,
  },
  check: {
    summary: "check how the device behaves: keep-alive, reconnects, takeovers, QoS resends, Wills (--profile aliyun)",
    load: () => (require("./check") as typeof import("./check")).run,
  },
  redact: {
    summary: "write a copy of a capture with MQTT passwords overwritten, for sharing",
    load: () => (require("./redact") as typeof import("./redact")).run,
  },
  device: {
    summary: "create, list, show, remove and sign devices in the device registry",
    load: () => (require("./device") as typeof import("./device")).run,
  },
  platform: {
    summary: "run the embedded IoT platform (start) and read its device log (log)",
    load: () => (require("./platform") as typeof import("./platform")).run,
  },
  simulate: {
    summary: "run the tutorial's device program (or a fleet) against a platform or broker",
    load: () => (require("./simulate") as typeof import("./simulate")).run,
  },
  capture: {
    summary: "record a TCP port on the loopback with dumpcap or tcpdump (--rootless: no privileges needed)",
    load: () => (require("./capture") as typeof import("./capture")).run,
  },
  tutorial: {
    summary: "the whole walk-through: device, platform, live capture, device program, analysis (npm start)",
    load: () => (require("./tutorial") as typeof import("./tutorial")).run,
  },
  doctor: {
    summary: "what works on this machine for the workshop: Node, capture, Jupyter, browser (OK/MISSING + fix)",
    load: () => (require("./doctor") as typeof import("./doctor")).run,
  },
  report: {
    summary: "write a self-contained HTML report of a capture: phases, charts, packets, issues",
    load: () => (require("./report") as typeof import("./report")).run,
  },
};

function usage(): string {
  const lines = ["usage: iot-wire-lab <command> [options]", "", "commands:"];
  for (const [name, { summary }] of Object.entries(subcommands)) lines.push(`  ${name.padEnd(10)} ${summary}`);
  lines.push("", "Run `iot-wire-lab <command> --help` for a command's options.");
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name ? 0 : 2;
  }
  const entry = subcommands[name];
  if (!entry) {
    console.error(`iot-wire-lab: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    const run = entry.load();
    return await run(rest);
  } catch (error) {
    if (error instanceof UsageError || error instanceof CaptureFileError) {
      console.error(`iot-wire-lab ${name}: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.stack ?? error.message : String(error));
      process.exitCode = 1;
    },
  );
}
