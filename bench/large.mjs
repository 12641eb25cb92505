#!/usr/bin/env node
// Loads one large CSV in headless Chromium through the public client (the
// webpack bundle on a plain page: `new Quiver().open(file, { shards })`),
// and reports the load time, rows, the engines' wasm memory and the whole
// browser's memory above its idle baseline (PSS of every process of the
// profile, sampled every 200 ms). Raw results go to bench-results/large.json
// (one entry per run, with the commit measured).
//
//   node bench/large.mjs bench-data/sales-5GB.csv [--shards N|auto] [--queries]
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { serveStatic, launchBrowser, ROOT } from "../tests/e2e/harness.mjs";
import { browserMemory } from "./compare/machine.mjs";

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith("--"));
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
if (!file) {
  console.error("usage: node bench/large.mjs FILE [--shards N|auto]");
  process.exit(2);
}
const shards = option("shards", "auto") === "auto" ? "auto" : Number(option("shards", "auto"));
const CHARTS = Object.entries(JSON.parse(readFileSync(`${ROOT}/bench/walker/charts.json`, "utf8"))).map(([name, chart]) => [name, chart.payload]);

const server = await serveStatic(ROOT);
const browser = await launchBrowser();
let peak = 0;
let sampler = null;
try {
  const page = await browser.newPage();
  page.on("console", (m) => console.log("[page]", m.text()));
  await page.goto(`${server.url}/tests/e2e/pages/plain.html`);
  await page.waitForFunction(() => window.ready === true);
  await new Promise((r) => setTimeout(r, 1000));
  const idle = browserMemory(browser.profileDir);
  sampler = setInterval(() => (peak = Math.max(peak, browserMemory(browser.profileDir))), 200);
  await page.setInputFiles("#file", file);
  const result = await page.evaluate(async ({ shards, charts }) => {
    const quiver = new window.Quiver();
    const file = document.getElementById("file").files[0];
    const started = performance.now();
    let lastLog = 0;
    const ds = quiver.open(file, {
      shards,
      onProgress: (p) => {
        if (performance.now() - lastLog > 5000) {
          lastLog = performance.now();
          console.log(`${((p.bytesRead / p.totalBytes) * 100).toFixed(1)} % ${p.rows} rows ${((performance.now() - started) / 1000).toFixed(1)} s`);
        }
      },
    });
    try {
      const info = await ds.loaded;
      const seconds = (performance.now() - started) / 1000;
      // Queries after the load, each timed once (cold): the same specs
      // whatever the shard count, answers kept short for the record.
      const queries = {};
      const time = async (name, run) => {
        const t0 = performance.now();
        try {
          const answer = await run();
          queries[name] = { ms: performance.now() - t0, answer: JSON.stringify(answer).slice(0, 300) };
        } catch (e) {
          queries[name] = { ms: performance.now() - t0, error: `${e.code ?? e.name}: ${e.message}` };
        }
      };
      await time("group-by region: count, sum(quantity), mean(unit_price)", () =>
        ds.aggregate({ groupBy: ["region"], aggregates: [{ op: "count" }, { op: "sum", column: "quantity" }, { op: "mean", column: "unit_price" }], sort: [{ column: "region" }] }).then((r) => r.rows));
      await time("page of 100 sorted by unit_price desc (+ order_id), offset 50,000", () =>
        ds.page({ sort: [{ column: "unit_price", descending: true }, { column: "order_id" }], offset: 50_000, limit: 100 }).then((r) => [r.total, r.rows[0]]));
      await time("the next page", () =>
        ds.page({ sort: [{ column: "unit_price", descending: true }, { column: "order_id" }], offset: 50_100, limit: 100 }).then((r) => [r.total, r.rows[0]]));
      await time("the page at offset 1,000,000 (a jump)", () =>
        ds.page({ sort: [{ column: "unit_price", descending: true }, { column: "order_id" }], offset: 1_000_000, limit: 100 }).then((r) => [r.total, r.rows[0]]));
      await time("the next page after the jump", () =>
        ds.page({ sort: [{ column: "unit_price", descending: true }, { column: "order_id" }], offset: 1_000_100, limit: 100 }).then((r) => [r.total, r.rows[0]]));
      await time("filtered page (region = North, quantity > 3) sorted by ordered_at", () =>
        ds.page({ filter: { op: "and", filters: [{ op: "=", column: "region", value: "North" }, { op: ">", column: "quantity", value: 3 }] }, sort: [{ column: "ordered_at" }, { column: "order_id" }], limit: 100 }).then((r) => [r.total, r.rows[0]]));
      // Graphic Walker's chart payloads of `npm run bench:walker`, each run
      // once, cold.
      for (const [name, payload] of charts) {
        await time(`chart: ${name}`, () => ds.walkerQuery(JSON.stringify(payload)).then((t) => JSON.parse(t).slice(0, 3)));
      }
      await time("profile of region, unit_price, quantity, returned", () =>
        ds.profile({ columns: ["region", "unit_price", "quantity", "returned"] }).then((p) => p.map((c) => [c.name, c.distinctCount, c.mean])));
      await time("profile of all columns", () => ds.profile({}).then((p) => p.map((c) => [c.name, c.distinctCount])));
      await time("count after the profiles", () => ds.aggregate({ aggregates: [{ op: "count" }] }).then((r) => r.rows));
      return { ok: true, seconds, shards: ds.shardCount, stats: await ds.shardStats(), numRows: info.numRows, memoryBytes: info.memoryBytes, wasmMemoryBytes: info.wasmMemoryBytes, queries };
    } catch (e) {
      const failed = { ok: false, error: `${e.name}: ${e.message}`, code: e.code, seconds: (performance.now() - started) / 1000 };
      // What a stopped load leaves: the rows read so far, still queryable.
      try {
        const info = await ds.info();
        const [count] = (await ds.aggregate({ aggregates: [{ op: "count" }] })).rows;
        return { ...failed, numRows: info.numRows, memoryBytes: info.memoryBytes, wasmMemoryBytes: info.wasmMemoryBytes, countAfterError: count.count };
      } catch (after) {
        return { ...failed, afterError: `${after.name}: ${after.message}` };
      }
    }
  }, { shards, charts: CHARTS });
  clearInterval(sampler);
  peak = Math.max(peak, browserMemory(browser.profileDir));
  const size = statSync(file).size;
  const entry = {
    date: new Date().toISOString(),
    commit: execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT }).toString().trim(),
    dirty: execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: ROOT }).toString().trim() !== "",
    loadAverage: loadavg(),
    file,
    bytes: size,
    requestedShards: shards,
    ...result,
    mbPerSecond: result.ok ? size / 1e6 / result.seconds : undefined,
    tabMemoryAboveIdle: peak - idle,
    tabMemoryPerCsvByte: (peak - idle) / size,
  };
  console.log(JSON.stringify(entry, null, 2));
  mkdirSync(`${ROOT}/bench-results`, { recursive: true });
  const out = `${ROOT}/bench-results/large.json`;
  const all = existsSync(out) ? JSON.parse(readFileSync(out, "utf8")) : [];
  all.push(entry);
  writeFileSync(out, JSON.stringify(all, null, 2) + "\n");
} finally {
  if (sampler) clearInterval(sampler);
  await browser.close().catch(() => {});
  await server.close();
}
