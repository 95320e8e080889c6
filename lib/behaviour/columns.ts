// Columns of the findings table (HTML report, notebooks), in the CLI's column format.
import type { Column } from "../output/columns";
import type { Finding, FindingSeverity } from "./finding";

export const findingColumns: ReadonlyArray<Column<Finding>> = [
  { header: "Severity", text: (f) => f.severity },
  { header: "Code", text: (f) => f.code },
  { header: "Stream", text: (f) => (f.streams && f.streams.length > 1 ? f.streams.join(", ") : String(f.stream)), field: "tcp.stream" },
  { header: "Client id", text: (f) => f.clientId ?? "", field: "mqtt.clientid" },
  { header: "Frames", text: (f) => f.frames.join(", "), field: "frame.number" },
  { header: "Finding", text: (f) => f.message },
  { header: "Wireshark filter", text: (f) => f.filter },
];

/** Row colours: failures red, warnings amber, information blue (as the report's expert info). */
export const findingColors: Readonly<Record<FindingSeverity, string>> = { fail: "#d64541", warn: "#e0a800", info: "#2aa7c0" };
