// End-to-end: the Data Explorer page (www/explorer.html) — Graphic Walker
// with Quiver as its computation — driven in headless Chromium like a person:
// upload a file, see its row count, build a chart by picking fields, look at
// the data tab. No request may leave this machine (it works offline).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { serveStatic, launchBrowser, salesFile, ARTIFACTS, ROOT } from "./harness.mjs";
import { readCsv } from "./csv.mjs";
import { startStore, stopStores } from "../store/harness.mjs";

let app, browser;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  app = await serveStatic(join(ROOT, "www/dist"));
  browser = await launchBrowser();
});

after(async () => {
  stopStores();
  await browser?.close();
  await app?.close();
});

/** The answers Graphic Walker got for payloads matching `want`. */
async function answers(page, want) {
  return page.evaluate((want) => {
    const matches = (payload) => JSON.stringify(payload).includes(want);
    return window.quiverWalkerLog.filter((entry) => matches(entry.payload));
  }, want);
}

test("a file uploaded in the Data Explorer becomes a Graphic Walker chart with the right numbers, offline", async () => {
  const path = await salesFile(50_000);
  const rows = readCsv(path);
  const page = await browser.newPage();
  const elsewhere = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    // The app and its file store are on this machine; nothing may come from elsewhere (a CDN).
    if (url.startsWith("http://127.0.0.1:") || url.startsWith("blob:") || url.startsWith("data:")) return route.continue();
    elsewhere.push(url);
    return route.abort();
  });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));

  await page.goto(`${app.url}/explorer.html`);
  await page.setInputFiles('[data-testid="upload"]', path);
  await page.waitForSelector('[data-testid="row-count"]:text("50,000 rows · 12 columns")', { timeout: 120_000 });

  // Fields come from Quiver's schema: order_id is an identifier (a dimension), quantity a measure.
  const walker = page.getByTestId("walker");
  await walker.getByText("order_id", { exact: true }).first().waitFor();

  // Pick region and Row count, apply the recommended chart: a count per region.
  await walker.getByText("region", { exact: true }).first().click();
  await walker.getByText("Row count", { exact: true }).first().click({ modifiers: ["Control"] });
  await walker.getByText("Apply recommended").click();
  await page.waitForFunction(() =>
    window.quiverWalkerLog.some((e) => JSON.stringify(e.payload).includes('"groupBy":["region"]') && e.rows.some((r) => Object.keys(r).length > 1)),
  );
  const [byRegion] = (await answers(page, '"groupBy":["region"]')).filter((e) => e.rows.some((r) => Object.keys(r).length > 1));
  const countKey = Object.keys(byRegion.rows[0]).find((k) => k !== "region");
  const expected = new Map();
  for (const r of rows) expected.set(r.region, (expected.get(r.region) ?? 0) + 1);
  assert.equal(byRegion.rows.length, expected.size);
  for (const r of byRegion.rows) assert.equal(r[countKey], expected.get(r.region), `count of ${r.region}`);
  // The chart is drawn (Vega renders into a canvas or an SVG in Graphic Walker's shadow root).
  await page.waitForFunction(() => {
    const host = document.querySelector('[data-testid="walker"]');
    const find = (root) => [...root.querySelectorAll("*")].some((el) => el.matches("canvas, svg.marks") || (el.shadowRoot && find(el.shadowRoot)));
    return find(host);
  });
  await page.screenshot({ path: join(ARTIFACTS, "explorer-chart.png") });

  // The data tab: a page of rows and each column's profile, from the worker.
  await walker.getByText("Data", { exact: true }).first().click();
  await walker.getByText(rows[0].order_id, { exact: true }).first().waitFor();
  const pages = await answers(page, '"op":"raw"');
  assert.ok(pages.some((p) => p.rows.length > 0 && String(p.rows[0].order_id) === rows[0].order_id));
  await page.screenshot({ path: join(ARTIFACTS, "explorer-data.png") });

  assert.deepEqual(elsewhere, [], "requests left this machine");
  assert.deepEqual(errors, []);
  await page.close();
});

test("the Data Explorer reports a file it cannot read and stays usable", async () => {
  const page = await browser.newPage();
  await page.goto(`${app.url}/explorer.html`);
  await page.setInputFiles('[data-testid="upload"]', { name: "photo.png", mimeType: "image/png", buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 1, 2, 3]) });
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.match(await alert.textContent(), /not|binary|CSV|text/i);
  // The sample still opens afterwards.
  await page.getByTestId("sample").click();
  await page.waitForSelector('[data-testid="row-count"]', { timeout: 60_000 });
  await page.close();
});

/** A page of the Data Explorer with a 1.5 MB budget, after uploading 30,000
 *  rows with a long text column (the numbers fit, the text does not): the
 *  column picker is showing. */
async function tooLargeFile() {
  let text = "region,note,price\n";
  for (let i = 0; i < 30_000; i++) text += `${["North", "South"][i % 2]},"note ${i}: long enough that the text column is most of the table",${(i % 500) + 0.25}\n`;
  const page = await browser.newPage();
  await page.goto(`${app.url}/explorer.html?memoryBudget=1500000`);
  await page.setInputFiles('[data-testid="upload"]', { name: "wide.csv", mimeType: "text/csv", buffer: Buffer.from(text) });
  await page.waitForSelector('[data-testid="column-picker"]', { timeout: 120_000 });
  return page;
}

test("a file too large for memory opens in the Data Explorer with the columns picked, and Graphic Walker gets those fields", async () => {
  const page = await tooLargeFile();
  assert.match(await page.getByRole("alert").textContent(), /more than the limit of 1\.5 MB/);
  await page.check('[data-testid="pick-region"]');
  await page.check('[data-testid="pick-price"]');
  await page.click('[data-testid="load-picked"]');
  await page.waitForSelector('.summary[data-testid="row-count"]', { timeout: 120_000 });
  assert.equal(await page.textContent('.summary[data-testid="row-count"]'), "30,000 rows · 2 columns");
  const walker = page.getByTestId("walker");
  for (const name of ["region", "price"]) await walker.getByText(name, { exact: true }).first().waitFor({ timeout: 60_000 });
  assert.equal(await walker.getByText("note", { exact: true }).count(), 0, "the text column is not a field");
  await page.close();
});

test("a file too large for memory opens in the Data Explorer as a sample of its rows, and the page says so over the charts", async () => {
  const page = await tooLargeFile();
  await page.selectOption('[data-testid="sample-fraction"]', "0.1");
  await page.click('[data-testid="load-sample"]');
  await page.waitForSelector('.summary[data-testid="row-count"]', { timeout: 120_000 });
  const rows = Number((await page.textContent('.summary[data-testid="row-count"]')).match(/^([\d,]+) rows/)[1].replace(/,/g, ""));
  assert.ok(rows > 2_500 && rows < 3_500, `${rows} rows: about a tenth of 30,000`);
  assert.match(await page.textContent('[data-testid="sample-note"]'), new RegExp(`A 10 % sample of the rows \\(${rows.toLocaleString("en-US")} rows\\)`));
  const walker = page.getByTestId("walker");
  for (const name of ["region", "note", "price"]) await walker.getByText(name, { exact: true }).first().waitFor({ timeout: 60_000 });
  await page.screenshot({ path: join(ARTIFACTS, "explorer-sample.png") });
  await page.close();
});

test("a file uploaded to the file store is listed and reopens through URL streaming", async () => {
  const store = await startStore(["--cors-origin", app.url]);
  const path = await salesFile(50_000);
  const page = await browser.newPage();
  await page.goto(`${app.url}/explorer.html?store=${encodeURIComponent(store.url)}`);
  await page.getByText("No files stored yet.").waitFor();
  await page.setInputFiles('[data-testid="store-upload"]', path);
  const entry = page.getByTestId("open-quiver-sales-50000.csv");
  await entry.waitFor({ timeout: 60_000 });
  // The store holds the file, checksummed.
  const listed = await (await fetch(`${store.url}/files`)).json();
  assert.equal(listed.files[0].name, "quiver-sales-50000.csv");
  assert.equal(listed.files[0].size, (await import("node:fs")).statSync(path).size);
  // Reopened from the store: Quiver streams the URL (progress from Content-Length).
  await entry.click();
  await page.waitForSelector('[data-testid="row-count"]:text("50,000 rows · 12 columns")', { timeout: 120_000 });
  const stats = await page.textContent('[data-testid="load"]');
  assert.match(stats, /5\.\d MB of 5\.\d MB/);
  await page.screenshot({ path: join(ARTIFACTS, "explorer-store.png") });
  await page.close();
});
