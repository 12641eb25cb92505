#!/usr/bin/env node
// The Data Explorer's old path against the new one, on the example
// (examples/django-react), in headless Chromium, driven like a person:
//
//   old  the page uploads the file to the pandas view (legacy), which sends
//        every row back as JSON; Graphic Walker computes charts from the rows
//   new  the page opens the picked file in Quiver (while it uploads to
//        quiver_files); Graphic Walker asks Quiver for every chart; then the
//        stored file is reopened, streamed from Django
//
// Per file size: time until Graphic Walker shows the fields, time to the
// first chart (region on X, sum of quantity on Y, dragged as a person does),
// time per chart change (returned → Color, then discount → Y), peak server
// memory (the Django processes), peak browser memory (PSS of every Chromium
// process) and bytes over the wire (request and response bodies, counted by
// a proxy in front of the example: the page's and Quiver's worker's alike). A chart counts as
// drawn when its canvas has changed and then stayed the same for a second
// (the time reported is when it reached that final picture).
//
//   node examples/django-react/bench/compare.mjs [--sizes 100,1000] [--paths old,new]
//        [--legacy-uncapped-mb 1000 --legacy-memory-gb 8] [--merge 1]
//   node examples/django-react/bench/compare.mjs --report
//
// Results: bench-results/django-compare.json (raw, with the commit measured
// and the machine) and docs/django-benchmark.md (the report, regenerated
// from the raw results by `--report`).
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { launchBrowser, ROOT } from "../../../tests/e2e/harness.mjs";
import { startExample, logIn, dragField, salesOfSize, proxy } from "../../../tests/django/harness.mjs";
import { browserMemory, machine, measuredCommit } from "../../../bench/compare/machine.mjs";

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const sizes = (args.sizes ?? "100,1000").split(",").map(Number);
const paths = (args.paths ?? "old,new").split(",");
const STEP_TIMEOUT = Number(args["step-timeout-s"] ?? 900) * 1000;

const browserMB = (profileDir) => browserMemory(profileDir) / 2 ** 20;

/**
 * A pass-through HTTP proxy in front of `target` that counts the bytes of
 * every request and response body: what crosses the wire for the page and
 * for Quiver's worker alike (Chromium's network events of a page do not
 * see a worker's requests). Resolves to { url, bytes: { up, down }, close }.
 */
async function countingProxy(target) {
  const bytes = { up: 0, down: 0 };
  const { url, close } = await proxy(target, {
    onRequestChunk: (chunk) => (bytes.up += chunk.length),
    respond(_req, answer, res) {
      answer.on("data", (chunk) => (bytes.down += chunk.length));
      answer.pipe(res);
    },
  });
  return { url, bytes, close };
}

/** A signature of every canvas Graphic Walker drew (in shadow roots too). */
function chartSignature() {
  const canvases = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.tagName === "CANVAS") canvases.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document.querySelector('[data-testid="walker"]') ?? document);
  let h = 0;
  for (const c of canvases) {
    let url = "";
    try {
      url = c.toDataURL();
    } catch {}
    for (let i = 0; i < url.length; i += 7) h = (h * 31 + url.charCodeAt(i)) | 0;
    h = (h * 31 + url.length) | 0;
  }
  return `${canvases.length}:${h}`;
}

/** Waits until the chart changed from `before` and then held still for a second; ms when it reached its final picture. */
async function chartDrawn(page, before, since) {
  let last = before;
  let lastChange = null;
  while (performance.now() - since < STEP_TIMEOUT) {
    const now = await page.evaluate(chartSignature);
    if (now !== last) {
      last = now;
      lastChange = performance.now();
    } else if (lastChange !== null && now !== before && performance.now() - lastChange > 1000) {
      return lastChange - since;
    }
    const alert = await page.getByRole("alert").textContent({ timeout: 1 }).catch(() => null);
    if (alert) throw new Error(`the page says: ${alert}`);
    await page.waitForTimeout(100);
  }
  throw new Error(`no chart within ${STEP_TIMEOUT / 1000} s`);
}

async function run(pathName, mb, options) {
  const file = await salesOfSize(mb);
  const fileBytes = statSync(file).size;
  const example = await startExample({ threads: 8, ...options.server });
  const wire = await countingProxy(example.url);
  const browser = await launchBrowser();
  const result = { path: pathName, file: `${mb} MB`, fileBytes, load: execFileSync("uptime", { encoding: "utf8" }).trim() };
  let browserPeak = 0;
  let serverPeak = 0;
  const sampler = setInterval(() => {
    browserPeak = Math.max(browserPeak, browserMB(browser.profileDir));
    serverPeak = Math.max(serverPeak, example.memory().rss);
  }, 200);
  let page;
  try {
    page = await browser.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("crash", () => errors.push("the tab crashed"));
    await page.route("**/*", (route) => (route.request().url().startsWith("http://127.0.0.1:") || route.request().url().startsWith("blob:") || route.request().url().startsWith("data:") ? route.continue() : route.abort()));
    await logIn(page, wire.url);
    if (pathName === "old") await page.goto(`${wire.url}/#legacy`);
    await page.getByTestId("upload").waitFor();
    result.idle = { browserMB: browserMB(browser.profileDir), serverMB: example.memory().rss };
    wire.bytes.up = wire.bytes.down = 0;

    const t0 = performance.now();
    await page.setInputFiles('[data-testid="upload"]', file);
    const walker = page.getByTestId("walker");
    // The fields, or the page's error (the old view's 500 when it runs out of memory).
    const fields = walker.getByText("region", { exact: true }).first();
    await fields.or(page.getByRole("alert")).first().waitFor({ timeout: STEP_TIMEOUT });
    if (!(await fields.isVisible())) {
      result.failedAfterS = (performance.now() - t0) / 1000;
      throw new Error(`the page says: ${await page.getByRole("alert").first().textContent()}`);
    }
    result.fieldsShownS = (performance.now() - t0) / 1000;
    let before = await page.evaluate(chartSignature);
    await dragField(page, "region", "X-Axis");
    await dragField(page, "quantity", "Y-Axis");
    const dropped = performance.now();
    const drawn = await chartDrawn(page, before, dropped);
    result.firstChartS = (dropped + drawn - t0) / 1000;
    result.firstChartAfterDropS = drawn / 1000;
    result.changesS = [];
    for (const [field, shelf] of [["returned", "Color"], ["discount", "Y-Axis"]]) {
      before = await page.evaluate(chartSignature);
      await dragField(page, field, shelf);
      const at = performance.now();
      result.changesS.push((await chartDrawn(page, before, at)) / 1000);
    }
    // The upload (new path: it ran meanwhile) must have finished before bytes are counted.
    await page.getByTestId("status").filter({ hasNotText: "Upload" }).waitFor({ timeout: STEP_TIMEOUT });
    result.uploadedBytes = wire.bytes.up;
    result.downloadedBytes = wire.bytes.down;
    if (pathName === "new") {
      // A later visit: the stored file, streamed from Django into Quiver.
      wire.bytes.down = 0;
      await page.reload();
      const t1 = performance.now();
      await page.getByTestId(`open-${file.split("/").pop()}`).click();
      await walker.getByText("region", { exact: true }).first().waitFor({ timeout: STEP_TIMEOUT });
      result.reopenFieldsShownS = (performance.now() - t1) / 1000;
      await page.getByTestId("status").filter({ hasText: "columns" }).waitFor({ timeout: STEP_TIMEOUT });
      result.reopenLoadedS = (performance.now() - t1) / 1000;
      result.reopenDownloadedBytes = wire.bytes.down;
    }
    result.errors = errors;
  } catch (e) {
    result.failed = e.message.split("\n")[0];
    result.pageStatus = await page?.getByTestId("status").textContent({ timeout: 1000 }).catch(() => null);
    // What the page showed when it failed (test-results/, git-ignored).
    const shot = join(ROOT, `test-results/django-compare-${pathName}-${mb}MB.png`);
    mkdirSync(join(ROOT, "test-results"), { recursive: true });
    await page?.screenshot({ path: shot }).then(() => (result.screenshot = shot), () => {});
    result.serverLog = example.django.log.slice(-1500);
  } finally {
    clearInterval(sampler);
    result.peak = { browserMB: browserPeak, serverMB: serverPeak };
    await browser.close();
    await wire.close();
    await example.stop();
  }
  return result;
}

const RAW = join(ROOT, "bench-results/django-compare.json");
const REPORT = join(ROOT, "docs/django-benchmark.md");
const f = (x, d = 1) => (x === undefined ? "—" : x.toFixed(d));
const secs = (x, d = 1) => (x === undefined ? "—" : `${x.toFixed(d)} s`);
const mb = (bytes) => (bytes === undefined ? "—" : `${(bytes / 1e6).toFixed(0)} MB`);

function report({ machine: m, measured, args: runArgs, results }) {
  const lines = [
    "# The Data Explorer, old path against new (Django + React example)",
    "",
    `Generated by \`node examples/django-react/bench/compare.mjs --report\` from [\`bench-results/django-compare.json\`](../bench-results/django-compare.json), measured by \`npm run bench:django\` (last run: options \`${JSON.stringify(runArgs)}\`, on ${m.date.slice(0, 16).replace("T", " ")} UTC at commit \`${measured.commit.slice(0, 12)}\`${measured.dirty ? ` (with uncommitted changes to ${measured.changedFiles.join(", ")})` : " (clean tree)"}): ${m.cpu}, ${m.memory}; ${m.browser}.`,
    "",
    "The example ([`examples/django-react`](../examples/django-react)) runs Django 5 + DRF under gunicorn (1 process, 8 threads) behind `vite preview`; headless Chromium drives its Data Explorer like a person. **Old**: the page uploads the file to the pandas view (`legacy`, the users' design: `pd.read_csv`, every row back as JSON) and Graphic Walker 0.5.0 computes each chart from the rows. **New**: the page opens the picked file in Quiver at once while it uploads to `quiver_files`, and Graphic Walker asks Quiver for every chart; then the stored file is reopened, streamed from Django into Quiver.",
    "",
    "Per file: time until Graphic Walker shows the fields; time to the first chart (region on X, sum of quantity on Y, dragged); time per chart change (returned → Color, then discount → Y); peak memory of the Django process and of the browser (PSS of every Chromium process); bytes over the wire (request and response bodies, counted by a pass-through proxy in front of the example, so the page's and Quiver's worker's requests alike; before the reopen: the upload, the page's requests and, on the old path, the rows as JSON). A chart counts as drawn when its canvas has changed and then stayed the same for a second (the time reported is when it reached that final picture, so the second of stillness is not counted).",
    "",
    "| path | file | fields shown | first chart | chart changes | Django peak | browser peak | bytes up | bytes down | reopened from Django (bytes down: the reloaded page and the file) | outcome |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  ];
  for (const r of results) {
    const reopened = r.reopenLoadedS === undefined ? "—" : `${secs(r.reopenLoadedS)} (${((r.reopenDownloadedBytes ?? 0) / 1e6).toFixed(0)} MB down)`;
    const outcome = r.failed ? `failed${r.failedAfterS === undefined ? "" : ` after ${f(r.failedAfterS)} s`}: ${r.failed}${r.pageStatus ? ` (the page still said "${r.pageStatus}")` : ""}${r.legacyUncapped ? ` (size cap lifted, process limited to ${r.legacyUncapped.addressSpaceGB} GB of address space)` : ""}` : "ok";
    lines.push(
      `| ${r.path} | ${r.file} | ${secs(r.fieldsShownS)} | ${secs(r.firstChartS)} | ${r.changesS?.map((c) => secs(c, 2)).join(", ") ?? "—"} | ${f(r.peak.serverMB, 0)} MB | ${f(r.peak.browserMB, 0)} MB | ${mb(r.uploadedBytes)} | ${mb(r.downloadedBytes)} | ${reopened} | ${outcome} |`,
    );
  }
  for (const r of results.filter((r) => r.failed && r.serverLog)) {
    const log = r.serverLog.trim().split("\n");
    const where = log.filter((l) => l.trim().startsWith("File ")).pop()?.trim();
    lines.push("", `The ${r.path} path at ${r.file}: Django's log ends with \`${log.pop().trim()}\`${where ? `, raised in ${where.replace(/^File "[^"]*\/(lib\/python[^"]*)"/, "$1")}` : ""}.`);
  }
  lines.push("", "Each run's commit and the load on the machine at its start:", "", ...results.map((r) => `- ${r.path}, ${r.file}: \`${(r.measured ?? measured).commit.slice(0, 12)}\`; ${r.load}`), "");
  return lines.join("\n");
}

if (process.argv[2] === "--report") {
  writeFileSync(REPORT, report(JSON.parse(readFileSync(RAW, "utf8"))));
  process.exit(0);
}

const measured = measuredCommit();
// --merge: re-measure the runs asked for, keep the other runs of the last raw results.
const kept = args.merge !== undefined && existsSync(RAW) ? JSON.parse(readFileSync(RAW, "utf8")) : null;
const results = [];
for (const mb of sizes) {
  for (const pathName of paths) {
    const server = {};
    if (pathName === "old" && args["legacy-uncapped-mb"] && mb >= Number(args["legacy-uncapped-mb"])) {
      // The old view without its 100 MB cap, its process limited (so that it fails, not the machine).
      server.env = { EXPLORER_LEGACY_MAX_BYTES: String(4 * 2 ** 30) };
      server.addressSpaceGB = Number(args["legacy-memory-gb"] ?? 8);
    }
    console.error(`[compare] ${pathName} path, ${mb} MB…`);
    const r = await run(pathName, mb, { server });
    if (server.env) r.legacyUncapped = { addressSpaceGB: server.addressSpaceGB };
    console.error(JSON.stringify(r));
    results.push(r);
  }
}

const merged = kept ? [...kept.results.filter((k) => !results.some((r) => r.path === k.path && r.file === k.file)), ...results] : results;
const order = (r) => [Number.parseFloat(r.file), r.path === "old" ? 0 : 1];
merged.sort((a, b) => order(a)[0] - order(b)[0] || order(a)[1] - order(b)[1]);
for (const r of merged) r.measured ??= results.includes(r) ? measured : kept.measured;
const raw = { machine: machine(), measured, args, results: merged };
mkdirSync(join(ROOT, "bench-results"), { recursive: true });
writeFileSync(RAW, JSON.stringify(raw, null, 2));
writeFileSync(REPORT, report(raw));
console.log(readFileSync(REPORT, "utf8"));
