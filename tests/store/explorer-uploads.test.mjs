// The Data Explorer's uploads to the file store, in headless Chromium:
// tus-js-client with progress, pause and resume, and resume after a page
// reload (the same file chosen again goes on from where the store got to).
// A browser test of the store's client, next to the contract suite it
// relies on; needs the built app (www/dist: `vite build`, run by
// scripts/test.sh before this step) and the Rust store on local disk.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, writeFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serveStatic, launchBrowser, ROOT } from "../e2e/harness.mjs";
import { startStore, stopStores, eventually } from "./harness.mjs";

let app, browser;
const made = [];
before(async () => {
  assert.ok(existsSync(join(ROOT, "www/dist/explorer.html")), "build the app first: vite build --config www/vite.config.mjs");
  app = await serveStatic(join(ROOT, "www/dist"));
  browser = await launchBrowser();
});
after(async () => {
  stopStores();
  await browser?.close();
  await app?.close();
  made.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

/** A CSV file of about `mb` MB on disk; its path and SHA-256. */
function csvFile(name, mb) {
  const dir = mkdtempSync(join(tmpdir(), "explorer-upload-"));
  made.push(dir);
  const path = join(dir, name);
  const lines = ["id,value,note"];
  let size = 0;
  for (let i = 0; size < mb * 1e6; i++) {
    const line = `${i},${(i * 7919) % 100003},${randomBytes(24).toString("hex")}`;
    lines.push(line);
    size += line.length + 1;
  }
  writeFileSync(path, lines.join("\n") + "\n");
  return { path, sha256: createHash("sha256").update(readFileSync(path)).digest("hex") };
}

/** Slows every PATCH to the store (so a person could click Pause), and records their Upload-Offset. */
async function slowPatches(page, store, ms) {
  const offsets = [];
  await page.route(`${store.url}/uploads/**`, async (route) => {
    if (route.request().method() === "PATCH") {
      offsets.push(Number(route.request().headers()["upload-offset"]));
      await new Promise((r) => setTimeout(r, ms));
    }
    await route.continue();
  });
  return offsets;
}

test("an upload to the store shows progress, pauses, resumes, and is stored whole", { timeout: 180_000 }, async () => {
  const store = await startStore(["--cors-origin", app.url]);
  const file = csvFile("paused.csv", 12);
  const page = await browser.newPage();
  const offsets = await slowPatches(page, store, 250);
  await page.goto(`${app.url}/explorer.html?store=${encodeURIComponent(store.url)}&chunk=1048576`);
  await page.getByText("No files stored yet.").waitFor();
  await page.setInputFiles('[data-testid="store-upload"]', file.path);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="store-progress"]')?.getAttribute("aria-valuenow")) >= 20);
  await page.getByTestId("store-pause").click();
  await page.getByText("(paused)").waitFor();
  const pausedAt = offsets.length;
  await page.waitForTimeout(1_000);
  assert.ok(offsets.length <= pausedAt + 1, "no PATCH is sent while paused");
  await page.getByTestId("store-resume").click();
  await page.getByTestId("open-paused.csv").waitFor({ timeout: 120_000 });
  const listed = (await (await fetch(`${store.url}/files`)).json()).files[0];
  assert.equal(listed.sha256, file.sha256);
  assert.ok(offsets.every((o, i) => i === 0 || o >= offsets[i - 1]), `offsets only grow: ${offsets.join(",")}`);
  await page.close();
});

test("after a page reload, choosing the same file again resumes the upload where the store got to", { timeout: 180_000 }, async () => {
  const store = await startStore(["--cors-origin", app.url]);
  const file = csvFile("reloaded.csv", 12);
  const page = await browser.newPage();
  let offsets = await slowPatches(page, store, 250);
  const url = `${app.url}/explorer.html?store=${encodeURIComponent(store.url)}&chunk=1048576`;
  await page.goto(url);
  await page.setInputFiles('[data-testid="store-upload"]', file.path);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="store-progress"]')?.getAttribute("aria-valuenow")) >= 30);
  await page.reload();
  // The page remembers the unfinished upload and how far the store has it.
  const unfinished = page.getByTestId("store-unfinished");
  await unfinished.getByText(/reloaded\.csv: ([\d.]+ MB|part) of 12 MB on the server/).waitFor();
  const before = offsets.length;
  await page.setInputFiles('[data-testid="store-upload"]', file.path);
  await page.getByTestId("open-reloaded.csv").waitFor({ timeout: 120_000 });
  const resumedFrom = offsets[before];
  assert.ok(resumedFrom >= 0.3 * 12e6, `the first PATCH after the reload starts at ${resumedFrom}, not from the beginning`);
  const listed = (await (await fetch(`${store.url}/files`)).json()).files[0];
  assert.equal(listed.name, "reloaded.csv");
  assert.equal(listed.sha256, file.sha256);
  // Finished: nothing is left to resume.
  await page.reload();
  await page.getByTestId("open-reloaded.csv").waitFor();
  assert.equal(await page.getByTestId("store-unfinished").count(), 0);
  assert.ok(await eventually(async () => (await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("tus::")).length)) === 0));
  await page.close();
});
