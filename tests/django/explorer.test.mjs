// End to end: the users' Data Explorer migrated to Quiver
// (examples/django-react: Django 5 + DRF + django-cors-headers with session
// login, quiver_files for the files, a Vite 5 + React 19.2 app with Graphic
// Walker 0.5.0), driven in headless Chromium like a person: log in, upload a
// 100 MB generated CSV, see it listed, reopen it after a reload, draw a
// chart whose numbers are checked against the file (by pandas), log out,
// and the file's URL refuses access. Then bad input, each with a clear
// message in the page and nothing half-written on the server: a file that
// is not CSV, names with path tricks, a file over the cap, a login that ends
// mid-upload, a stored file deleted while the browser still streams it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { statSync, writeFileSync } from "node:fs";
import { Transform } from "node:stream";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchBrowser, ARTIFACTS } from "../e2e/harness.mjs";
import { startExample, logIn, tapWalker, dragField, salesOfSize, pandasSums, proxy } from "./harness.mjs";

const CAP = 150 * 1024 * 1024;
let example, browser;

before(async () => {
  example = await startExample({ maxBytes: CAP });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await example?.stop();
});

/** Rows of the backend's tables: what is stored and what is staged. */
function serverState() {
  const out = example.shell(
    "import json; from quiver_files.models import StoredFile, Staged; print(json.dumps({'files': sorted([f.scope + '/' + f.name for f in StoredFile.objects.all()]), 'blobs': sorted(f.blob.rsplit('/', 1)[1] for f in StoredFile.objects.all()), 'staged': Staged.objects.count()}))",
  );
  const state = JSON.parse(out.trim().split("\n").pop());
  return { ...state, onDisk: example.storedBlobs().sort() };
}

/** Nothing half-written: every blob on disk is a stored file's, nothing staged, and the files are `files`. */
async function assertClean(files, label) {
  let state;
  for (let i = 0; i < 50; i++) {
    state = serverState();
    if (state.staged === 0 && state.onDisk.join() === state.blobs.join()) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(state.staged, 0, `${label}: staged uploads left`);
  assert.deepEqual(state.onDisk, state.blobs, `${label}: blobs on disk that no file points at`);
  assert.deepEqual(state.files, files, label);
}

/** The page's alert text (waits for it). */
async function alertText(page) {
  const alert = page.getByRole("alert");
  await alert.waitFor({ timeout: 60_000 });
  return alert.textContent();
}

/** Throttles the page's network (Chromium's emulation): bytes per second up and down. */
async function throttle(page, { up = -1, down = -1 }) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, uploadThroughput: up, downloadThroughput: down });
  return () => cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, uploadThroughput: -1, downloadThroughput: -1 });
}

/**
 * An HTTP proxy in front of `target` that holds the body of the first
 * response whose request matches `match` once `after` bytes have passed,
 * until `release()`: a test acts while that download is mid-stream, however
 * fast the machine. (Chromium's network emulation does not reach Quiver's
 * worker, where the download runs.) Resolves to { url, held, release, close }.
 */
async function holdingProxy(target, match, after) {
  let release;
  const released = new Promise((resolve) => (release = resolve));
  let onHeld;
  const held = new Promise((resolve) => (onHeld = resolve));
  let used = false;
  const { url, close } = await proxy(target, {
    respond(req, answer, res) {
      if (used || !match(req)) return void answer.pipe(res);
      used = true;
      let passed = 0;
      const hold = new Transform({
        transform(chunk, _encoding, done) {
          passed += chunk.length;
          if (passed < after) return done(null, chunk);
          onHeld();
          released.then(() => done(null, chunk));
        },
      });
      answer.pipe(hold).pipe(res);
    },
  });
  return { url, held, release, close: () => (release(), close()) };
}

let analystId;

test("log in, upload 100 MB, see it listed, reopen it, a chart with the file's numbers, log out: the URL refuses", { timeout: 600_000 }, async () => {
  const path = await salesOfSize(100);
  const name = "quiver-sales-100MB.csv";
  const expected = pandasSums(path, "region", "quantity");
  const page = await browser.newPage();
  await tapWalker(page);
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await logIn(page, example.url);
  await page.getByText("No files stored yet.").waitFor();

  const started = Date.now();
  await page.setInputFiles('[data-testid="upload"]', path);
  const ready = `${expected.rows.toLocaleString("en-US")} rows · 12 columns`;
  await page.waitForSelector(`[data-testid="status"]:text("${ready}")`, { timeout: 300_000 });
  const uploadedAndLoaded = (Date.now() - started) / 1000;
  await page.getByTestId(`open-${name}`).waitFor();

  // Stored whole: Django's checksum is the file's.
  const { createHash } = await import("node:crypto");
  const { readFileSync } = await import("node:fs");
  const listed = await page.evaluate(async () => (await (await fetch("/api/files")).json()).files);
  assert.equal(listed.length, 1);
  assert.equal(listed[0].size, statSync(path).size);
  assert.equal(listed[0].sha256, createHash("sha256").update(readFileSync(path)).digest("hex"));

  // A new visit: the file is listed, and opening it streams it from Django into Quiver.
  await page.reload();
  await page.getByTestId(`open-${name}`).click();
  await page.waitForSelector(`[data-testid="status"]:text("${ready}")`, { timeout: 300_000 });

  // A chart: the sum of quantity per region, as Graphic Walker got it from Quiver.
  await dragField(page, "region", "X-Axis");
  await dragField(page, "quantity", "Y-Axis");
  const answer = await page.waitForFunction(
    () => window.__walkerAnswers.find((e) => JSON.stringify(e.payload).includes('"groupBy":["region"]') && JSON.stringify(e.payload).includes('"field":"quantity"')),
    null,
    { timeout: 120_000 },
  );
  const { rows } = await answer.jsonValue();
  const key = Object.keys(rows[0]).find((k) => k !== "region");
  assert.equal(rows.length, Object.keys(expected.sums).length);
  for (const [region, sum] of Object.entries(expected.sums)) assert.equal(rows.find((r) => r.region === region)?.[key], sum, `sum of quantity in ${region}`);
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="walker"] *')].some((el) => el.matches("canvas, svg.marks") || el.shadowRoot?.querySelector("canvas, svg.marks")));
  await page.screenshot({ path: join(ARTIFACTS, "django-explorer-chart.png") });
  console.log(`# 100 MB: uploaded to Django and loaded into Quiver in ${uploadedAndLoaded.toFixed(1)} s`);

  // Another user sees none of it and cannot read it.
  const url = `/api/files/${encodeURIComponent(name)}`;
  const otherBrowser = await launchBrowser(); // a cookie jar of its own
  try {
    const other = await otherBrowser.newPage();
    await logIn(other, example.url, "other");
    assert.deepEqual(await other.evaluate(async () => (await (await fetch("/api/files")).json()).files), []);
    assert.equal(await other.evaluate(async (u) => (await fetch(u)).status, url), 404);
  } finally {
    await otherBrowser.close();
  }

  // Logged out: the page is back at the login form, and the file's URL refuses access.
  assert.equal(await page.evaluate(async (u) => (await fetch(u, { method: "HEAD" })).status, url), 200);
  await page.getByText("Log out").click();
  await page.locator('input[name="username"]').waitFor();
  const refused = await page.evaluate(async (u) => {
    const r = await fetch(u);
    return { status: r.status, body: await r.text() };
  }, url);
  assert.ok([401, 403].includes(refused.status), JSON.stringify(refused));
  assert.match(refused.body, /"code": ?"(unauthorized|forbidden)"/);
  assert.equal((await fetch(`${example.url}${url}`)).status, 401, "a client without a session");
  assert.deepEqual(errors, []);
  analystId = serverState().files[0].split("/")[0];
  await page.close();
});

test("bad input: a file that is not CSV, names with path tricks, a file over the cap — clear messages, nothing stored", { timeout: 300_000 }, async () => {
  const before = serverState().files;
  const page = await browser.newPage();
  await logIn(page, example.url);

  await page.setInputFiles('[data-testid="upload"]', { name: "photo.png", mimeType: "image/png", buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 1, 2, 3]) });
  assert.match(await alertText(page), /photo\.png is not a CSV file/);
  await page.setInputFiles('[data-testid="upload"]', { name: "data.csv", mimeType: "text/csv", buffer: Buffer.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0]) });
  assert.match(await alertText(page), /data\.csv is not a CSV file: it holds binary data/);

  for (const [name, why] of [
    ["..\\..\\settings.csv", /path separator/],
    ["CON.csv", /Windows device name/],
    ["invoice\u202Ecsv.exe.csv", /invisible character/],
    [".htaccess.csv", /starts with a dot/],
  ]) {
    await page.setInputFiles('[data-testid="upload"]', { name, mimeType: "text/csv", buffer: Buffer.from("a,b\n1,2\n") });
    const text = await page.getByRole("alert").filter({ hasText: "refused the file's name" }).textContent({ timeout: 30_000 });
    assert.match(text, why, name);
    await assertClean(before, name);
  }

  // Over the cap (150 MiB here): refused from its Content-Length, before the body is stored.
  const big = join(tmpdir(), "quiver-over-cap.csv");
  const line = "region,amount\n" + "North,12.5\n".repeat(1 << 20);
  writeFileSync(big, line.repeat(Math.ceil((CAP + 1) / line.length)));
  await page.setInputFiles('[data-testid="upload"]', big);
  const tooLarge = await page.getByRole("alert").filter({ hasText: "too large" }).textContent({ timeout: 120_000 });
  assert.match(tooLarge, /quiver-over-cap\.csv is too large: files are limited to 157286400 bytes\. Nothing was stored\./);
  await assertClean(before, "over the cap");
  await page.close();
});

test("a login that ends while the file uploads: the page says so and nothing is stored", { timeout: 300_000 }, async () => {
  const before = serverState().files;
  const path = await salesOfSize(100);
  const context = browser; // one cookie jar: a second tab logs the user out meanwhile
  const page = await context.newPage();
  await logIn(page, example.url);
  const unthrottle = await throttle(page, { up: 20e6 }); // about 5 s for 100 MB
  await page.setInputFiles('[data-testid="upload"]', path);
  await page.getByTestId("status").filter({ hasText: "Uploading" }).waitFor();
  await new Promise((r) => setTimeout(r, 1500));
  // The session ends on the server (another tab logged out; an expiry is the same).
  const elsewhere = await context.newPage();
  await elsewhere.goto(example.url);
  await elsewhere.evaluate(async () => {
    const token = document.cookie.match(/csrftoken=([^;]*)/)?.[1];
    await fetch("/api/auth/logout", { method: "POST", headers: { "X-CSRFToken": token } });
  });
  await elsewhere.close();
  const text = await page.getByRole("alert").filter({ hasText: "login expired" }).textContent({ timeout: 120_000 });
  assert.match(text, /Your login expired while quiver-sales-100MB\.csv was uploading, so it was not stored\. Log in again and upload it again\./);
  await unthrottle();
  await assertClean(before, "login ended mid-upload");
  await page.close();
});

test("a stored file deleted while the browser still streams it: the load ends whole and the page says it is gone", { timeout: 300_000 }, async () => {
  const path = await salesOfSize(100);
  const { rows } = pandasSums(path, "region", "quantity");
  const name = "quiver-sales-100MB.csv";
  const proxy = await holdingProxy(example.url, (req) => req.method === "GET" && req.url.startsWith(`/api/files/${name}?`), 16 << 20);
  const page = await browser.newPage();
  const listed = page.waitForResponse((r) => r.url().includes("/api/files?limit=") && r.status() === 200);
  await logIn(page, proxy.url);
  await listed;
  if (!(await page.getByTestId(`open-${name}`).isVisible())) {
    await page.setInputFiles('[data-testid="upload"]', path);
    await page.waitForSelector('[data-testid="status"]:text("12 columns")', { timeout: 300_000 });
    await page.reload();
  }
  await page.getByTestId(`open-${name}`).click();
  await page.getByTestId("status").filter({ hasText: "Opening" }).waitFor();
  await proxy.held; // 16 MB of the 100 MB have reached the browser; the rest waits
  const deleted = await page.evaluate(async (n) => {
    const token = document.cookie.match(/csrftoken=([^;]*)/)?.[1];
    return (await fetch(`/api/files/${encodeURIComponent(n)}`, { method: "DELETE", headers: { "X-CSRFToken": token } })).status;
  }, name);
  assert.equal(deleted, 204);
  proxy.release();
  // The version being read stays readable to the end (its blob is unlinked, not truncated): the load is whole.
  await page.waitForSelector(`[data-testid="status"]:text("${rows.toLocaleString("en-US")} rows · 12 columns")`, { timeout: 300_000 });
  const notice = await page.getByTestId("notice").textContent({ timeout: 30_000 });
  assert.match(notice, /quiver-sales-100MB\.csv was deleted on the server while it was opening: you are exploring the copy that loaded\./);
  await proxy.close();
  await assertClean([], "deleted while streaming");
  assert.ok(analystId === undefined || !serverState().files.some((f) => f.startsWith(`${analystId}/`)));
  await page.close();
});
