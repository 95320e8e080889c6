/** The report's stylesheet: inline in the page, so the file needs nothing else. */
import { tableCss } from "../display/html-table";

export const reportCss = `
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", Verdana, sans-serif; color: #1f2328; background: #ffffff; margin: 0; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 28px 64px; }
header h1 { font-size: 24px; margin: 0 0 4px; }
header p { color: #555; margin: 0; }
nav { margin: 16px 0 8px; padding: 8px 0; border-top: 1px solid #e3e5e8; border-bottom: 1px solid #e3e5e8; font-size: 13px; }
nav a { margin-right: 14px; color: #3b6fb6; text-decoration: none; }
nav a:hover { text-decoration: underline; }
h2 { font-size: 19px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #e3e5e8; }
h3 { font-size: 15px; margin: 22px 0 6px; }
p.lead { color: #444; font-size: 13px; margin: 4px 0 10px; max-width: 70em; }
dl.summary { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px; margin: 12px 0; }
dl.summary div { background: #f6f7f9; border: 1px solid #e3e5e8; border-radius: 6px; padding: 8px 12px; }
dl.summary dt { font-size: 12px; color: #57606a; }
dl.summary dd { margin: 2px 0 0; font-size: 16px; font-weight: bold; word-break: break-word; }
figure { margin: 18px 0 28px; }
figure .chart { overflow-x: auto; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 13px; color: #444; margin-top: 6px; max-width: 70em; }
.severity { display: inline-block; border-radius: 3px; padding: 0 6px; color: #fff; font-size: 12px; font-weight: bold; }
ul.codes { font-size: 13px; margin: 6px 0 10px; padding-left: 20px; }
ul.codes code { font-size: 12px; }
.error { color: #b3261e; }
.muted { color: #666; }
footer { margin-top: 48px; font-size: 12px; color: #666; }
@media print { nav { display: none; } figure, table { break-inside: avoid; } }
${tableCss}
`.trim();
