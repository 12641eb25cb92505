#!/usr/bin/env node
// Graphic Walker computation benchmark: Quiver (`computationFor`) against
// Graphic Walker's built-in computation (`getComputation(rows)`) on the same
// 1-million-row sales file, in one headless Chromium, same run:
//   - three typical chart queries (aggregate by one or two dimensions, with a
//     filter; a monthly line), median of runs;
//   - the data tab's profiling of every column, fired at once as Graphic
//     Walker does (distinct counts and top values of dimensions, a 10-bin
//     histogram of measures, the row count and the first page).
// Targets (issue 6): chart query ≤ 30 ms, profiling ≤ 300 ms.
//   node bench/walker.mjs [FILE]        (default bench-data/sales-1M.csv)
//   QUIVER_ONLY=1 node bench/walker.mjs  Quiver's half only (no report written)
// Writes bench-results/walker.json and prints a table.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, dirname, basename } from "node:path";
import { serveStatic, launchBrowser, ROOT } from "../tests/e2e/harness.mjs";
import { salesCsv } from "./gen-sales.mjs";

const RUNS = 7;
/** Writes docs/walker-benchmark.md from a result (also: --report, from bench-results/walker.json). */
function writeReport(result) {
  const lines = ["| query (1,000,000 rows) | Quiver | Graphic Walker built-in | ratio | target |", "|---|---:|---:|---:|---:|"];
  for (const [name, r] of Object.entries(result.charts)) {
    lines.push(`| ${name} | ${r.quiverMs.toFixed(1)} ms | ${(r.walkerMs / 1000).toFixed(1)} s | ${Math.round(r.walkerMs / r.quiverMs)}× | ≤ 30 ms |`);
  }
  const p = result.profiling;
  lines.push(`| data-tab profiling, all ${p.columns} columns (${p.queries} queries; Graphic Walker: one at a time) | ${p.quiverMs.toFixed(0)} ms | ${(p.walkerMs / 1000).toFixed(1)} s | ${Math.round(p.walkerMs / p.quiverMs)}× | ≤ 300 ms |`);
  const table = lines.join("\n");
  console.log(`\n${table}`);
  writeFileSync(
    join(ROOT, "docs/walker-benchmark.md"),
    `# Graphic Walker's computation: Quiver against the built-in one

\`npm run bench:walker\` (bench/walker.mjs), ${result.date.slice(0, 10)}, ${result.file}: ${result.rows.toLocaleString("en")} rows, headless Chromium on the project's 2-core machine. Quiver runs in its worker (median of ${RUNS} runs, answer cache skipped; the first run of each query is in bench-results/walker.json); Graphic Walker's \`getComputation(rows)\` gets the same rows as JS objects (handing them over took ${(result.walkerRowsMs / 1000).toFixed(1)} s) and copies them into a worker for every step. Quiver loaded the file in ${(result.quiverLoadMs / 1000).toFixed(2)} s.

${table}

Fired at once, as the data tab does, Graphic Walker's profiling queries each copy all rows into a worker at the same time: at a million rows that ran the tab out of memory (the renderer crashed), so the built-in figure is for one query after another.
`,
  );
}

if (process.argv[2] === "--report") {
  writeReport(JSON.parse(readFileSync(join(ROOT, "bench-results/walker.json"), "utf8")));
  process.exit(0);
}

const file = process.argv[2] ?? join(ROOT, "bench-data/sales-1M.csv");
if (!existsSync(file)) {
  mkdirSync(dirname(file), { recursive: true });
  console.log(`generating ${file} (1,000,000 rows)`);
  writeFileSync(file, [...salesCsv({ rows: 1_000_000 })].join(""));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const charts = {
  "sum and count by region, quantity ≥ 3": {
    workflow: [
      { type: "filter", filters: [{ fid: "quantity", rule: { type: "range", value: [3, null] } }] },
      { type: "view", query: [{ op: "aggregate", groupBy: ["region"], measures: [{ field: "unit_price", agg: "sum", asFieldKey: "unit_price_sum" }, { field: "*", agg: "count", asFieldKey: "count" }] }] },
    ],
  },
  "mean price by region × returned, first half of 2023": {
    workflow: [
      { type: "filter", filters: [{ fid: "ordered_at", rule: { type: "temporal range", value: [Date.UTC(2023, 0, 1), Date.UTC(2023, 6, 1)], offset: 0 } }] },
      { type: "view", query: [{ op: "aggregate", groupBy: ["region", "returned"], measures: [{ field: "unit_price", agg: "mean", asFieldKey: "unit_price_mean" }] }] },
    ],
  },
  "monthly quantity by region (line chart), one region excluded": {
    workflow: [
      { type: "filter", filters: [{ fid: "region", rule: { type: "not in", value: ["Nordics"] } }] },
      { type: "transform", transform: [{ key: "month", expression: { op: "dateTimeDrill", as: "month", params: [{ type: "field", value: "ordered_at" }, { type: "value", value: "month" }, { type: "displayOffset", value: 0 }] } }] },
      { type: "view", query: [{ op: "aggregate", groupBy: ["month", "region"], measures: [{ field: "quantity", agg: "sum", asFieldKey: "quantity_sum" }] }] },
    ],
  },
};

/** What Graphic Walker's data tab sends for `fields` (computation/index.ts). */
function profilingPayloads(fields) {
  const out = [
    { workflow: [{ type: "view", query: [{ op: "aggregate", groupBy: [], measures: [{ field: "*", agg: "count", asFieldKey: "count" }] }] }] },
    { workflow: [{ type: "view", query: [{ op: "raw", fields: ["*"] }] }], limit: 100, offset: 0 },
  ];
  for (const { fid, analyticType } of fields) {
    if (analyticType === "measure") {
      out.push({
        workflow: [
          { type: "transform", transform: [{ key: `bin_${fid}`, expression: { op: "bin", as: `bin_${fid}`, params: [{ type: "field", value: fid }], num: 10 } }, { key: "gw_count_fid", expression: { op: "one", params: [], as: "gw_count_fid" } }] },
          { type: "view", query: [{ op: "aggregate", groupBy: [`bin_${fid}`], measures: [{ field: "gw_count_fid", agg: "sum", asFieldKey: "gw_count_fid_sum" }] }] },
        ],
      });
    } else {
      const count = { op: "aggregate", groupBy: [fid], measures: [{ field: "*", agg: "count", asFieldKey: `count_${fid}` }] };
      out.push({
        workflow: [
          { type: "view", query: [count] },
          { type: "view", query: [{ op: "aggregate", groupBy: [], measures: [{ field: "*", agg: "count", asFieldKey: `total_distinct_${fid}` }, { field: `count_${fid}`, agg: "sum", asFieldKey: "count" }] }] },
        ],
      });
      out.push({ workflow: [{ type: "view", query: [count] }, { type: "sort", by: [`count_${fid}`], sort: "descending" }], limit: 2 });
    }
  }
  return out;
}

const app = await serveStatic(join(ROOT, "www/dist"));
const data = await serveStatic(dirname(file));
const url = `${data.url}/${basename(file)}`;
const browser = await launchBrowser();

async function checkPage(withWalker) {
  const page = await browser.newPage();
  await page.goto(`${app.url}/walker-check.html`);
  await page.waitForFunction(() => document.title.endsWith("(ready)"));
  const opened = await page.evaluate(([url, withWalker]) => window.walkerCheck.open({ url }, withWalker), [url, withWalker]);
  return { page, opened };
}

const result = { file: basename(file), date: new Date().toISOString(), charts: {}, profiling: {} };

// Quiver alone in its page (Graphic Walker's rows would share its memory).
console.log(`Quiver: loading ${basename(file)} …`);
let { page, opened } = await checkPage(false);
result.rows = opened.rows;
result.quiverLoadMs = opened.loadMs;
console.log(`${opened.rows.toLocaleString()} rows in ${(opened.loadMs / 1000).toFixed(2)} s`);
for (const [name, payload] of Object.entries(charts)) {
  const quiver = await page.evaluate(([p, runs]) => window.walkerCheck.time(p, "quiver", runs), [payload, RUNS]);
  result.charts[name] = { quiverMs: median(quiver.times), quiverFirstMs: quiver.times[0], groups: quiver.rows };
  console.log(`  ${name}: ${median(quiver.times).toFixed(1)} ms (first ${quiver.times[0].toFixed(1)})`);
}
const fields = opened.fields;
const payloads = profilingPayloads(fields);
const quiverRuns = [];
for (let i = 0; i < 5; i++) quiverRuns.push((await page.evaluate((ps) => window.walkerCheck.burst(ps, "quiver-uncached"), payloads)).totalMs);
result.profiling = { columns: fields.length, queries: payloads.length, quiverMs: median(quiverRuns) };
console.log(`  profiling of ${fields.length} columns (${payloads.length} queries at once): ${median(quiverRuns).toFixed(0)} ms`);
await page.close();

if (process.env.QUIVER_ONLY) {
  await browser.close();
  await app.close();
  await data.close();
  process.exit(0);
}

// Graphic Walker's built-in computation over the same rows (as Quiver returns them).
console.log("Graphic Walker built-in: handing it the rows …");
({ page, opened } = await checkPage(true));
result.walkerRowsMs = opened.walkerRowsMs;
for (const [name, payload] of Object.entries(charts)) {
  const walker = await page.evaluate(([p]) => window.walkerCheck.time(p, "walker", 2), [payload]);
  result.charts[name].walkerMs = median(walker.times);
  console.log(`  ${name}: ${median(walker.times).toFixed(0)} ms`);
}
// Fired at once, its queries each copy every row into a worker: at a million
// rows that runs the tab out of memory, so they run one after another here.
let walkerTotal = 0;
for (const payload of payloads) {
  const { times } = await page.evaluate(([p]) => window.walkerCheck.time(p, "walker", 1), [payload]);
  walkerTotal += times[0];
}
result.profiling.walkerMs = walkerTotal;
console.log(`  profiling, one query after another: ${(walkerTotal / 1000).toFixed(1)} s`);

await browser.close();
await app.close();
await data.close();
mkdirSync(join(ROOT, "bench-results"), { recursive: true });
writeFileSync(join(ROOT, "bench-results/walker.json"), JSON.stringify(result, null, 2) + "\n");
writeReport(result);
