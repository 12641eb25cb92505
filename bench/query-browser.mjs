#!/usr/bin/env node
// In-browser query benchmark (headless Chromium): loads FILE, then times the
// issue-3 workload: group-by two text keys, first and next page sorted by a
// float, a filtered sorted page, and profiles of every column. Medians in ms.
//   node bench/query-browser.mjs FILE
import { serveStatic, launchBrowser } from "../tests/e2e/harness.mjs";

const file = process.argv[2];
if (!file) {
  console.error("usage: query-browser.mjs FILE");
  process.exit(2);
}
const server = await serveStatic();
const browser = await launchBrowser();
const page = await browser.newPage();
await page.goto(`${server.url}/bench/query.html`);
await page.waitForFunction(() => window.ready === true);
await page.setInputFiles("#file", file);
await page.waitForFunction(() => window.result, null, { timeout: 900_000, polling: 200 });
const r = await page.evaluate(() => window.result);
await browser.close();
await server.close();
const ms = (v) => `${v.toFixed(1)} ms`;
console.log(`rows: ${r.rows}`);
console.log(`group-by region × store, count/sum/mean (${r.groups} groups): ${ms(r.groupByTwoStringKeys)}   target ≤ 20 ms`);
console.log(`first page of 100 sorted by unit_price (offset 50,000):   ${ms(r.firstPageSortedByFloat)}   target ≤ 120 ms`);
console.log(`next page:                                                 ${ms(r.nextPage)}   target ≤ 2 ms`);
console.log(`filtered (region = North, quantity > q) sorted by time:    ${ms(r.filteredSortedPage)}   target ≤ 20 ms (${r.filteredTotal} rows match q=5)`);
console.log(`profile of every column:                                   ${ms(r.profileAllColumns)}`);
if (process.env.QUIVER_BENCH_JSON) {
  const { writeFileSync } = await import("node:fs");
  writeFileSync(process.env.QUIVER_BENCH_JSON, JSON.stringify(r, null, 2));
}
