// End-to-end: the demo app (the Vite build in www/dist), driven in headless
// Chromium like a person would. Screenshots go to test-results/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { serveStatic, serveSlowly, launchBrowser, salesFile, ARTIFACTS, ROOT } from "./harness.mjs";
import { readCsv } from "./csv.mjs";

let app, browser;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  app = await serveStatic(join(ROOT, "www/dist"));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
});

const number = (text) => Number(String(text).replace(/[^\d.-]/g, ""));

async function openFile(page, file) {
  await page.goto(app.url);
  await page.setInputFiles('[data-testid="file-input"]', file);
  await page.waitForSelector('[data-testid="status"]:text("ready")', { timeout: 120_000 });
}

async function firstRow(page) {
  await page.waitForFunction(() => {
    const row = document.querySelector('[data-testid="grid"] .grid-row');
    return row && !row.querySelector(".pending");
  });
  return page.$$eval('[data-testid="grid"] .grid-row:first-child .cell', (cells) => cells.map((c) => c.textContent));
}

test("a picked file loads, shows its rows, sorts by a column and filters", async () => {
  const path = await salesFile(50_000);
  const rows = readCsv(path);
  const page = await browser.newPage();
  await openFile(page, path);
  assert.equal(await page.textContent('[data-testid="row-count"]'), "50,000 rows");
  const first = await firstRow(page);
  assert.equal(first[1], rows[0].order_id);

  // Sort by unit_price: the first cell is the smallest price.
  await page.click('[data-testid="sort-unit_price"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="sort-unit_price"] .sort-mark'));
  const cheapest = Math.min(...rows.map((r) => Number(r.unit_price)));
  await page.waitForFunction((want) => {
    const cell = document.querySelectorAll('[data-testid="grid"] .grid-row:first-child .cell')[9];
    return cell && Number(cell.textContent) === want;
  }, cheapest);
  // Click again: descending.
  await page.click('[data-testid="sort-unit_price"]');
  const dearest = Math.max(...rows.map((r) => Number(r.unit_price)));
  await page.waitForFunction((want) => {
    const cell = document.querySelectorAll('[data-testid="grid"] .grid-row:first-child .cell')[9];
    return cell && Number(cell.textContent) === want;
  }, dearest);

  // Filter region = North and quantity > 10: the count matches.
  await page.fill('[data-testid="filter-region"]', "=North");
  await page.fill('[data-testid="filter-quantity"]', ">10");
  const want = rows.filter((r) => r.region === "North" && Number(r.quantity) > 10).length;
  await page.waitForFunction((n) => document.querySelector('[data-testid="view-count"]')?.textContent.startsWith(n.toLocaleString("en-US") + " of"), want);
  await page.screenshot({ path: join(ARTIFACTS, "app-rows.png") });

  // The sidebar profiles every column.
  await page.waitForSelector('[data-testid="column-region"] .top-values li');
  const regions = await page.$$eval('[data-testid="column-region"] .top-values li .label', (l) => l.map((e) => e.textContent));
  assert.equal(regions.length, 5);
  await page.close();
});

test("a group-by gives the known answer and a chart", async () => {
  const path = await salesFile(50_000);
  const rows = readCsv(path);
  const page = await browser.newPage();
  await openFile(page, path);
  await page.click('role=tab[name="Group by"]');
  // Default: group by the first text column (region), count and sum of the first number.
  await page.waitForSelector('[data-testid="group-table"] tbody tr');
  const table = await page.$$eval('[data-testid="group-table"] tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const north = table.find((r) => r[0] === "North");
  assert.equal(number(north[1]), rows.filter((r) => r.region === "North").length);
  assert.ok(await page.$('[data-testid="group-by"] svg.bar-chart rect'), "a chart of the result");
  assert.equal(await page.textContent('[data-testid="group-count"]'), "8 groups");
  await page.screenshot({ path: join(ARTIFACTS, "app-group-by.png"), fullPage: true });
  await page.close();
});

test("the sample file is one click away", async () => {
  const page = await browser.newPage();
  await page.goto(app.url);
  await page.click("text=Load the sample sales file");
  await page.waitForSelector('[data-testid="status"]:text("ready")', { timeout: 60_000 });
  assert.equal(await page.textContent('[data-testid="row-count"]'), "20,000 rows");
  await page.close();
});

test("a file that is not a CSV gets a clear error, and the app goes on", async () => {
  const bad = join(tmpdir(), "quiver-not-a-csv.xlsx");
  writeFileSync(bad, Buffer.from("504b0304140006000800000021006200ee9d685e01000090040000", "hex"));
  const page = await browser.newPage();
  await page.goto(app.url);
  await page.setInputFiles('[data-testid="file-input"]', bad);
  await page.waitForSelector('[role="alert"]');
  assert.match(await page.textContent('[role="alert"]'), /This is not a text CSV file: it is a ZIP archive/);
  assert.equal(await page.textContent('[data-testid="status"]'), "failed");
  await page.screenshot({ path: join(ARTIFACTS, "app-bad-file.png") });
  await page.click("text=Load the sample sales file");
  await page.waitForSelector('[data-testid="status"]:text("ready")', { timeout: 60_000 });
  await page.close();
});

test("a file too large for memory: the error offers its columns, and the picked ones load", async () => {
  // 30,000 rows with a long text column; a 1.5 MB budget holds the numbers
  // but not the text.
  let text = "id,note,price\n";
  for (let i = 0; i < 30_000; i++) text += `${i},"note ${i}: long enough that the text column is most of the table",${(i % 500) + 0.25}\n`;
  const page = await browser.newPage();
  await page.goto(`${app.url}/?memoryBudget=1500000`);
  await page.setInputFiles('[data-testid="file-input"]', { name: "wide.csv", mimeType: "text/csv", buffer: Buffer.from(text) });
  await page.waitForSelector('[data-testid="column-picker"]', { timeout: 120_000 });
  assert.match(await page.textContent('[role="alert"]'), /needs about .* more than the limit of 1\.5 MB\. Load only the columns you need/);
  assert.equal(await page.isDisabled('[data-testid="load-picked"]'), true, "nothing picked yet");
  await page.check('[data-testid="pick-price"]');
  await page.check('[data-testid="pick-id"]');
  await page.screenshot({ path: join(ARTIFACTS, "app-column-picker.png") });
  assert.equal(await page.textContent('[data-testid="load-picked"]'), "Load 2 columns");
  await page.click('[data-testid="load-picked"]');
  await page.waitForSelector('[data-testid="status"]:text("ready")', { timeout: 120_000 });
  assert.equal(await page.textContent('[data-testid="row-count"]'), "30,000 rows");
  assert.equal(await page.locator('[data-testid="column-id"]').count(), 1);
  assert.equal(await page.locator('[data-testid="column-price"]').count(), 1);
  assert.equal(await page.locator('[data-testid="column-note"]').count(), 0, "the text column is not loaded");
  assert.deepEqual((await firstRow(page)).slice(1), ["0", "0.25"], "row number, id, price");
  await page.close();
});

test("a URL loads with progress (MB/s, time left), shows rows while loading, and cancels keeping them", async () => {
  const slow = await serveSlowly(await salesFile(300_000));
  after(() => slow.close());
  const page = await browser.newPage();
  await page.goto(app.url);
  await page.fill('input[type="url"]', slow.url);
  await page.click("text=Open");
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="row-count"]')?.textContent.replace(/\D/g, "")) > 5000);
  const stats = await page.textContent('[data-testid="load"] .stats');
  assert.match(stats, /of 3\d MB/, stats);
  assert.match(stats, /[KM]B\/s/, stats);
  assert.match(stats, /left/, stats);
  // The first rows are visible while the file is still loading.
  assert.equal(await page.textContent('[data-testid="status"]'), "loading");
  const first = await firstRow(page);
  assert.equal(first[1], "10000000");
  await page.screenshot({ path: join(ARTIFACTS, "app-loading.png") });
  await page.click("text=Cancel");
  await page.waitForSelector('[data-testid="status"]:text("cancelled")', { timeout: 30_000 });
  const kept = number(await page.textContent('[data-testid="row-count"]'));
  assert.ok(kept > 0 && kept < 300_000, `rows after cancel: ${kept}`);
  assert.match(await page.textContent('[role="alert"]'), /Loading was cancelled after [\d,]+ rows/);
  await page.close();
});

test("the UI stays responsive during a large load", async () => {
  const path = await salesFile(600_000);
  const page = await browser.newPage();
  await page.goto(app.url);
  await page.evaluate(() => {
    window.frames_ = [];
    const tick = (t) => {
      window.frames_.push(t);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.setInputFiles('[data-testid="file-input"]', path);
  await page.waitForSelector('[data-testid="status"]:text("ready")', { timeout: 120_000 });
  const { frames, longest, seconds } = await page.evaluate(() => {
    const f = window.frames_;
    let longest = 0;
    for (let i = 1; i < f.length; i++) longest = Math.max(longest, f[i] - f[i - 1]);
    return { frames: f.length, longest, seconds: (f[f.length - 1] - f[0]) / 1000 };
  });
  // Headless Chromium paces frames at 60 Hz; a blocked main thread would
  // show as few frames and a long gap.
  assert.ok(frames / seconds > 20, `${frames} frames in ${seconds.toFixed(2)} s`);
  assert.ok(longest < 250, `longest gap between frames: ${longest.toFixed(0)} ms`);
  await page.close();
});

test("exports of the current view download as CSV and Arrow", async () => {
  const path = await salesFile(50_000);
  const page = await browser.newPage();
  await openFile(page, path);
  await page.fill('[data-testid="filter-region"]', "=South");
  await page.waitForFunction(() => document.querySelector('[data-testid="view-count"]')?.textContent.includes(" of "));
  const [download] = await Promise.all([page.waitForEvent("download"), page.click('[data-testid="export-csv"]')]);
  const saved = join(tmpdir(), "quiver-export.csv");
  await download.saveAs(saved);
  const exported = readCsv(saved);
  const shown = number((await page.textContent('[data-testid="view-count"]')).split(" of ")[0]);
  assert.equal(exported.length, shown);
  assert.ok(exported.every((r) => r.region === "South"));
  const [arrow] = await Promise.all([page.waitForEvent("download"), page.click('[data-testid="export-arrow"]')]);
  assert.match(arrow.suggestedFilename(), /\.arrows$/);
  await page.close();
});
