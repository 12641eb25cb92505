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
