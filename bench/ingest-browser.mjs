#!/usr/bin/env node
// In-browser ingest benchmark: each file is picked in a fresh headless
// Chromium with setInputFiles and loaded with Dataset.loadFile; prints MB/s,
// rows/s, time to the first rows and the table's memory ÷ the file's size.
//   node bench/ingest-browser.mjs FILE [FILE ...]
import { statSync } from "node:fs";
import { basename } from "node:path";
import { serveStatic, launchBrowser } from "../tests/e2e/harness.mjs";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: ingest-browser.mjs FILE [FILE ...]");
  process.exit(2);
}
const server = await serveStatic();
const results = [];
console.log(`${"file".padEnd(28)} ${"MB".padStart(8)} ${"rows".padStart(9)} ${"s".padStart(7)} ${"MB/s".padStart(7)} ${"rows/s".padStart(9)} ${"first rows".padStart(10)} ${"table/csv".padStart(9)}`);
for (const file of files) {
  const browser = await launchBrowser();
  const page = await browser.newPage();
  const query = [process.env.QUIVER_BENCH_PUSH && "push", process.env.QUIVER_BENCH_COLD && "cold"].filter(Boolean).join("&");
  await page.goto(`${server.url}/bench/ingest.html${query ? "?" + query : ""}`);
  await page.waitForFunction(() => window.ready === true);
  await page.setInputFiles("#file", file);
  await page.waitForFunction(() => window.result, null, { timeout: 600_000, polling: 100 });
  const r = await page.evaluate(() => window.result);
  await browser.close();
  const mb = r.bytes / 1e6;
  const row = { file: basename(file), mb, rows: r.rows, seconds: r.seconds, mbPerSecond: mb / r.seconds, rowsPerSecond: r.rows / r.seconds, firstRowsMs: r.firstRowsMs, tableShare: r.memoryBytes / r.bytes };
  results.push(row);
  console.log(
    `${row.file.padEnd(28)} ${mb.toFixed(1).padStart(8)} ${String(r.rows).padStart(9)} ${r.seconds.toFixed(3).padStart(7)} ${row.mbPerSecond.toFixed(1).padStart(7)} ${Math.round(row.rowsPerSecond).toString().padStart(9)} ${(r.firstRowsMs?.toFixed(0) ?? "-").padStart(8)}ms ${(100 * row.tableShare).toFixed(1).padStart(8)}%`,
  );
}
await server.close();
if (process.env.QUIVER_BENCH_JSON) {
  const { writeFileSync } = await import("node:fs");
  writeFileSync(process.env.QUIVER_BENCH_JSON, JSON.stringify(results, null, 2));
}
