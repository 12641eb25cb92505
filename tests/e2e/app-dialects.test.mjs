// End-to-end: the demo app says how a file was read (issue 14) — "Read as
// EUC-KR (CP949, Korean) (guessed) · ; · decimal comma · day-first dates" —
// renders Korean names and values, and reads the file again with another
// encoding when the user picks one; the Data Explorer page does the same, with
// the Korean names as Graphic Walker's fields.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { serveStatic, launchBrowser, ROOT } from "./harness.mjs";

let app, browser;

before(async () => {
  app = await serveStatic(join(ROOT, "www/dist"));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
});

/** The demo app with `text` picked as the file `name`, once loaded. */
async function openText(name, text) {
  const page = await browser.newPage();
  await page.goto(app.url);
  await page.setInputFiles('[data-testid="file-input"]', { name, mimeType: "text/csv", buffer: Buffer.from(text) });
  await page.waitForSelector('[data-testid="status"]:text("ready")', { timeout: 120_000 });
  return page;
}

/** Waits until the read-as line says `expected` (after a reload). */
function readAsSays(page, expected) {
  return page.waitForFunction((want) => document.querySelector('[data-testid="read-as-text"]')?.textContent === want, expected, { timeout: 120_000 });
}

/** Waits until the grid's first row has a cell reading `expected`. */
function firstRowShows(page, expected) {
  return page.waitForFunction(
    (want) => [...document.querySelectorAll('[data-testid="grid"] .grid-row:first-child .cell')].some((c) => c.textContent === want),
    expected,
    { timeout: 60_000 },
  );
}

test("a European CP949 export: the read-as line, Korean cells, and a reload in another encoding", async () => {
  const page = await browser.newPage();
  await page.goto(app.url);
  await page.setInputFiles('[data-testid="file-input"]', join(ROOT, "tests/data/dialects/european-cp949.csv"));
  await page.waitForSelector('[data-testid="status"]:text("ready")', { timeout: 120_000 });
  assert.equal(
    await page.textContent('[data-testid="read-as-text"]'),
    "Read as EUC-KR (CP949, Korean) (guessed) · ; · day-first dates · decimal comma",
  );
  await page.waitForFunction(() => {
    const row = document.querySelector('[data-testid="grid"] .grid-row');
    return row && !row.querySelector(".pending");
  });
  const cells = await page.$$eval('[data-testid="grid"] .grid-row:first-child .cell', (c) => c.map((x) => x.textContent));
  assert.ok(cells.includes("영업부"), JSON.stringify(cells));
  assert.ok(cells.includes("2024-02-13"), JSON.stringify(cells));
  // Read it again as Windows-1252: the names are no longer Korean.
  await page.selectOption('[data-testid="read-as-encoding"]', "windows-1252");
  await page.waitForFunction(() => document.querySelector('[data-testid="read-as-text"]')?.textContent.startsWith("Read as windows-1252 (Western European) · ;"), null, { timeout: 120_000 });
  await page.waitForSelector('[data-testid="status"]:text("ready")', { timeout: 120_000 });
  const text = await page.textContent('[data-testid="read-as-text"]');
  assert.ok(!text.includes("guessed"), text);
  await page.close();
});

test("the Data Explorer says how a file was read, gives Graphic Walker the Korean field names, and reads it again in another encoding", async () => {
  const page = await browser.newPage();
  await page.goto(`${app.url}/explorer.html`);
  await page.setInputFiles('[data-testid="upload"]', join(ROOT, "tests/data/dialects/european-cp949.csv"));
  await page.waitForSelector('[data-testid="row-count"]', { timeout: 120_000 });
  assert.equal(
    await page.textContent('[data-testid="read-as-text"]'),
    "Read as EUC-KR (CP949, Korean) (guessed) · ; · day-first dates · decimal comma",
  );
  const walker = page.getByTestId("walker");
  for (const name of ["날짜", "부서", "금액", "비율"]) await walker.getByText(name, { exact: true }).first().waitFor({ timeout: 60_000 });
  await page.selectOption('[data-testid="read-as-encoding"]', "windows-1252");
  await page.waitForFunction(() => document.querySelector('[data-testid="read-as-text"]')?.textContent.startsWith("Read as windows-1252 (Western European) · ;"), null, { timeout: 120_000 });
  assert.equal(await walker.getByText("부서", { exact: true }).count(), 0, "the fields are read as Windows-1252 now");
  await page.close();
});

test("a date column whose days are all 12 or less: the app says the order was picked, and the user flips it", async () => {
  const page = await openText("ambiguous.csv", "d,n\n01/02/2024,1\n03/04/2024,2\n");
  assert.equal(await page.textContent('[data-testid="read-as-text"]'), "Read as UTF-8 · , · month-first dates");
  assert.match(await page.textContent('[data-testid="read-as"]'), /dates in d could be either order/);
  const firstDate = (expected) => firstRowShows(page, expected);
  await firstDate("2024-01-02");
  await page.selectOption('[data-testid="read-as-dates-d"]', "dayFirst");
  await readAsSays(page, "Read as UTF-8 · , · day-first dates");
  assert.doesNotMatch(await page.textContent('[data-testid="read-as"]'), /could be either order/);
  await firstDate("2024-02-01");
  await page.close();
});

test("a number column read with a decimal comma: the user says it writes thousands, and the values change", async () => {
  // `1,234` in a `;` file reads as 1.234 (a decimal comma).
  const page = await openText("amounts.csv", "p;n\n1,234;1\n5,678;2\n");
  assert.equal(await page.textContent('[data-testid="read-as-text"]'), "Read as UTF-8 · ; · decimal comma");
  const firstCell = (expected) => firstRowShows(page, expected);
  await firstCell("1.234");
  await page.selectOption('[data-testid="read-as-numbers-p"]', "thousandsComma");
  await readAsSays(page, "Read as UTF-8 · ; · thousands comma");
  await firstCell("1234");
  // Back to detection: the first reading again.
  await page.selectOption('[data-testid="read-as-numbers-p"]', "");
  await readAsSays(page, "Read as UTF-8 · ; · decimal comma");
  await firstCell("1.234");
  await page.close();
});
