/** RFC 4180 CSV. */
import type { Column } from "./columns";

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvHeader<T>(columns: ReadonlyArray<Column<T>>): string {
  return columns.map((c) => csvField(c.header)).join(",");
}

export function csvRow<T>(row: T, columns: ReadonlyArray<Column<T>>): string {
  let line = "";
  for (let i = 0; i < columns.length; i++) line += (i ? "," : "") + csvField(columns[i].text(row));
  return line;
}
