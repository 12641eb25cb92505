#!/usr/bin/env node
// Side-by-side benchmark: Quiver, DuckDB-WASM, Arquero and PapaParse, each in
// a fresh headless Chromium, fed the same Files through setInputFiles, running
// the same workload (bench/compare/workload.js) twice: cold on one file, then
// warm on a second file of the same size (another seed). Every engine's
// answers are compared (bench/compare/answers.mjs); a mismatch fails the run.
// Also measured: the peak memory of the whole browser process tree above its
// idle baseline during the cold run (PSS, sampled every 100 ms) and the
// gzipped size of what each engine ships.
//
//   node bench/compare.mjs                       10 MB and 100 MB sales files
//   QUIVER_BENCH_1GB=1 node bench/compare.mjs    also 1 GB
//   QUIVER_BENCH_SIZES=10MB QUIVER_BENCH_ENGINES=quiver,duckdb node bench/compare.mjs
//   node bench/compare.mjs --report              docs from bench-results/compare.json
//
// Writes bench-results/compare.json (with the commit measured and the load
// average seen) and, when every engine ran and all answers agree,
// docs/benchmarks.md and docs/benchmarks.svg.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { compareAnswers } from "./compare/answers.mjs";
import { browserMemory, cpuSplit, machine, measuredCommit } from "./compare/machine.mjs";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const ENGINES = ["quiver", "duckdb", "arquero", "papaparse", "quiverWarmed"];
/** Quiver and its peers (the warmed Quiver is a variant, not a peer). */
const PEERS = ["quiver", "duckdb", "arquero", "papaparse"];
const PAGES = { quiver: "quiver.html", duckdb: "duckdb.html", arquero: "arquero.html", papaparse: "papaparse.html", quiverWarmed: "quiver.html?warmUp=1" };
// An engine that has not finished both runs by then is recorded as failed.
const TIMEOUT_MS = 1_200_000;
const NAMES = { quiver: "Quiver", duckdb: "DuckDB-WASM", arquero: "Arquero", papaparse: "PapaParse", quiverWarmed: "Quiver + generic warm-up ³" };
const STEPS = [
  ["ingest", "ingest the whole file (nothing else)"],
  ["count", "count rows"],
  ["groupBy", "group-by 2 text keys: count, sum(a×b), mean"],
  ["firstPage", "page of 100 sorted by a float (+ id), offset 50,000"],
  ["nextPage", "the next page ¹"],
  ["freshSort", "page of 100 sorted by a new key (text desc + id), offset 50,000"],
  ["filteredPage", "filtered (text = and int >) page sorted by time, with the match count"],
  ["firstRows", "first 100 rows of a just-picked file ²"],
];
const FOOTNOTES = [
  "¹ Not the same work for every engine: Quiver keeps the row order of the previous page (a cache hit) and so does the PapaParse page (it keeps its sorted array); DuckDB-WASM and Arquero sort again. The row below it gives every engine a sort key it has not seen.",
  "² Measured after the other steps, apart from the ingest, each engine its quickest way from a fresh start: Quiver opens the file again in a started worker and pages the first rows while it loads; DuckDB-WASM runs `SELECT * FROM read_csv_auto(file) LIMIT 100`; PapaParse parses with `preview: 100`; Arquero (no streaming parser) parses the first 1 MB.",
  "³ Not one of the peers: Quiver as its client ships, each worker warmed up before it takes a file by `src/warm_up.rs` (a synthetic sensor log with its own columns, every filter, aggregate, sort, bucket and export kind, none shaped like this workload). Shown to measure what the generic warm-up buys; the comparison with the peers is the Quiver column, which has no warm-up. (Its next spare worker warms up 5 s after a load, which can overlap the timed queries, as it would in an app.)",
];

const sizes = process.env.QUIVER_BENCH_SIZES
  ? process.env.QUIVER_BENCH_SIZES.split(",")
  : ["10MB", "100MB", ...(process.env.QUIVER_BENCH_1GB === "1" ? ["1GB"] : [])];
const engines = process.env.QUIVER_BENCH_ENGINES ? process.env.QUIVER_BENCH_ENGINES.split(",") : ENGINES;

async function runEngine(server, launchBrowser, engine, files) {
  const browser = await launchBrowser();
  let peak = 0;
  let baseline = 0;
  let coldPeak = null;
  let sampler = null;
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/bench/compare/${PAGES[engine]}`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 120_000 });
    const idle = [];
    for (let i = 0; i < 5; i++) {
      idle.push(browserMemory(browser.profileDir));
      await new Promise((r) => setTimeout(r, 100));
    }
    baseline = idle.sort((a, b) => a - b)[2];
    sampler = setInterval(() => (peak = Math.max(peak, browserMemory(browser.profileDir))), 100);
    await page.setInputFiles("#file", files);
    await page.waitForFunction(() => window.runsDone >= 1 || window.result, null, { timeout: TIMEOUT_MS, polling: 250 });
    coldPeak = Math.max(peak, browserMemory(browser.profileDir));
    await page.waitForFunction(() => window.result, null, { timeout: TIMEOUT_MS, polling: 250 });
    const result = await page.evaluate(() => window.result);
    return { ...result, memoryBytes: Math.max(0, (coldPeak ?? peak) - baseline) };
  } catch (e) {
    return { error: e.message.split("\n")[0], memoryBytes: Math.max(0, (coldPeak ?? peak) - baseline) };
  } finally {
    if (sampler) clearInterval(sampler);
    await browser.close().catch(() => {});
  }
}

function gzippedSize(paths) {
  return paths.reduce((sum, p) => sum + gzipSync(readFileSync(join(ROOT, p)), { level: 9 }).length, 0);
}

function shippedSizes() {
  const dist = readdirSync(join(ROOT, "dist")).filter((f) => /\.(js|wasm)$/.test(f)).map((f) => `dist/${f}`);
  const duck = "node_modules/@duckdb/duckdb-wasm/dist";
  return {
    quiver: gzippedSize(dist),
    duckdb: gzippedSize([`${duck}/duckdb-browser.mjs`, `${duck}/duckdb-browser-eh.worker.js`, `${duck}/duckdb-eh.wasm`, "node_modules/@duckdb/duckdb-wasm/node_modules/apache-arrow/Arrow.es2015.min.js"]),
    arquero: gzippedSize(["node_modules/arquero/dist/arquero.min.js"]),
    papaparse: gzippedSize(["node_modules/papaparse/papaparse.min.js"]),
  };
}

const ms = (v) => (v === undefined ? "—" : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
const mb = (v) => `${(v / 1e6).toFixed(0)} MB`;
const load = (l) => l.map((v) => v.toFixed(2)).join(", ");

function stepTable(byEngine, run, shown) {
  const lines = [`| | ${shown.map((e) => NAMES[e]).join(" | ")} |`, `|---|${shown.map(() => "---:").join("|")}|`];
  for (const [step, label] of STEPS) {
    const base = byEngine.quiver?.runs?.[run]?.steps?.[step];
    const cells = shown.map((e) => {
      const v = byEngine[e]?.runs?.[run]?.steps?.[step];
      if (v === undefined) return byEngine[e]?.error ? "failed" : "—";
      return e === "quiver" || !base ? ms(v) : `${ms(v)} (${(v / base).toFixed(1)}×)`;
    });
    lines.push(`| ${label} | ${cells.join(" | ")} |`);
  }
  return lines;
}

export function markdown(report) {
  const { machine: info, measured, shipped, results, loadBefore, loadAfter, cpuBefore, cpuAfter } = report;
  const split = (c) => (c ? ` (CPU over 2 s: ${c.normal} % normal priority, ${c.niced} % niced, ${c.system} % kernel, ${c.idle} % idle)` : "");
  const shown = ENGINES.filter((e) => Object.values(results).some((r) => r[e]));
  const lines = [
    "# Benchmarks: Quiver against DuckDB-WASM, Arquero and PapaParse",
    "",
    `Generated by \`node bench/compare.mjs --report\` from [\`bench-results/compare.json\`](../bench-results/compare.json), measured by \`npm run bench\` (\`bench/compare.mjs\`) on ${info.date.slice(0, 10)} at commit \`${measured.commit.slice(0, 12)}\`${measured.dirty ? ` (with uncommitted changes to ${measured.changedFiles.join(", ")})` : " (clean tree)"}: ${info.cpu}, ${info.memory}; ${info.browser}; Node ${info.node}; DuckDB-WASM ${info.duckdbWasm}. Load average before the run: ${load(loadBefore)}${split(cpuBefore)}; after: ${load(loadAfter)}${split(cpuAfter)} (1, 5, 15 min; the machine has ${info.cpu.split(", ").pop()} and is shared: other people's builds and fuzzers run at lowered priority, which a benchmark at normal priority mostly preempts, but they still share caches and memory bandwidth).`,
    "",
    "How it is measured:",
    "",
    "- Each engine runs in a fresh headless Chromium and gets the same two `File`s through `setInputFiles`; the workload is [`bench/compare/workload.js`](../bench/compare/workload.js) on the deterministic sales files ([`bench/gen-sales.mjs`](../bench/gen-sales.mjs)).",
    "- **Cold** is the first run: the engine was started before the file was picked (DuckDB-WASM instantiated and connected; Quiver a started worker, without its generic warm-up) and had done nothing else. **Warm** is the second run, in the same page, on a different file of the same size (generated with another seed): the same work again after the engine has done it once. No engine runs any other warm-up.",
    "- The timed ingest is the whole file into the engine's table and nothing else. \"First rows\" is measured apart, after the other steps (footnote ²).",
    "- Sorted pages sort by the key and then `order_id`, a unique order, so every engine must return the same 100 rows. Every answer (the row count, every group's count, sum and mean, every row of every page with its ids, times and prices, the filtered match count, the first rows) is compared across engines ([`bench/compare/answers.mjs`](../bench/compare/answers.mjs)); a mismatch fails the run. All answers agreed in this run.",
    "- DuckDB-WASM uses its single-threaded `eh` bundle (what `selectBundle` picks in Chromium for a page that is not cross-origin isolated). Its threaded `coi` bundle needs the page served with COOP/COEP headers (`SharedArrayBuffer`), which the pages that embed these engines usually are not, and Quiver answers each dataset on one thread (its worker) too; the threaded bundle is not measured here.",
    "- Times are wall-clock in the page; memory is the peak PSS of the whole browser process tree above its idle baseline during the cold run (sampled every 100 ms). Ratios are engine ÷ Quiver from the same run: above 1 means Quiver is faster (or smaller).",
    "",
    "![Times by engine](benchmarks.svg)",
    "",
  ];
  for (const [size, byEngine] of Object.entries(results)) {
    const rows = byEngine.quiver?.runs?.[0]?.answers?.count;
    lines.push(`## ${size} (${rows?.toLocaleString("en-US") ?? "?"} rows)`, "");
    lines.push("Cold (run 1):", "", ...stepTable(byEngine, 0, shown));
    const baseMem = byEngine.quiver?.memoryBytes;
    lines.push(
      `| peak memory above idle (cold run) | ${shown
        .map((e) => (byEngine[e]?.error && !byEngine[e]?.memoryBytes ? "failed" : e === "quiver" || !baseMem ? mb(byEngine[e]?.memoryBytes ?? 0) : `${mb(byEngine[e]?.memoryBytes ?? 0)} (${(byEngine[e].memoryBytes / baseMem).toFixed(1)}×)`))
        .join(" | ")} |`,
      "",
    );
    lines.push("Warm (run 2, a fresh file of the same size):", "", ...stepTable(byEngine, 1, shown), "");
    const errors = shown.filter((e) => byEngine[e]?.error).map((e) => `${NAMES[e]}: ${byEngine[e].error}`);
    if (errors.length) lines.push(...errors.map((e) => `- ${e}`), "");
  }
  lines.push(...FOOTNOTES.flatMap((f) => [f, ""]));
  lines.push(
    "## What each engine ships (gzipped: JavaScript + wasm)",
    "",
    `| ${PEERS.map((e) => NAMES[e]).join(" | ")} |`,
    `|${PEERS.map(() => "---:").join("|")}|`,
    `| ${PEERS.map((e) => `${(shipped[e] / 1000).toFixed(0)} KB`).join(" | ")} |`,
    "",
    "Quiver: `dist/` (the client, its worker and the wasm, as `npm run build:bundle` makes them); DuckDB-WASM: `duckdb-browser.mjs`, the `eh` worker and wasm, and its Apache Arrow; Arquero and PapaParse: their minified files.",
    "",
  );
  return lines.join("\n");
}

/** Grouped bars on a log scale: each step's cold time per engine, per file size. */
export function chart(results) {
  const colors = { quiver: "#2563eb", duckdb: "#f59e0b", arquero: "#10b981", papaparse: "#9ca3af" };
  const shown = PEERS.filter((e) => Object.values(results).some((r) => r[e]));
  const groups = [];
  for (const [size, byEngine] of Object.entries(results)) for (const [step, label] of STEPS) groups.push({ size, step, label, byEngine });
  const value = (g, e) => g.byEngine[e]?.runs?.[0]?.steps?.[g.step];
  const barH = 9;
  const groupH = shown.length * barH + 12;
  const left = 430;
  const width = 1000;
  const plot = width - left - 90;
  const all = groups.flatMap((g) => shown.map((e) => value(g, e)).filter((v) => v > 0));
  const lo = Math.log10(Math.max(0.1, Math.min(...all)));
  const hi = Math.log10(Math.max(...all));
  const x = (v) => left + ((Math.log10(Math.max(v, 0.1)) - lo) / (hi - lo || 1)) * plot;
  const height = groups.length * groupH + 60;
  const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="11">`];
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  shown.forEach((e, i) => parts.push(`<rect x="${left + i * 130}" y="8" width="12" height="12" fill="${colors[e]}"/><text x="${left + i * 130 + 16}" y="18">${NAMES[e]}</text>`));
  parts.push(`<text x="${left}" y="40" fill="#6b7280">cold run, time on a log scale (shorter is better)</text>`);
  groups.forEach((g, i) => {
    const y = 50 + i * groupH;
    parts.push(`<text x="${left - 8}" y="${y + groupH / 2}" text-anchor="end">${esc(`${g.size}: ${g.label.replace(/ [¹²]$/, "")}`)}</text>`);
    shown.forEach((e, j) => {
      const v = value(g, e);
      if (!(v > 0)) return;
      parts.push(`<rect x="${left}" y="${y + j * barH}" width="${Math.max(1, x(v) - left)}" height="${barH - 2}" fill="${colors[e]}"/>`);
      parts.push(`<text x="${x(v) + 3}" y="${y + j * barH + 7}" fill="#374151">${ms(v)}</text>`);
    });
  });
  parts.push("</svg>");
  return parts.join("\n");
}

function writeDocs(report) {
  writeFileSync(join(ROOT, "docs/benchmarks.md"), markdown(report));
  writeFileSync(join(ROOT, "docs/benchmarks.svg"), chart(report.results) + "\n");
}

/** Every engine's answers, per size and run; the mismatches found. */
function check(results) {
  const found = [];
  for (const [size, byEngine] of Object.entries(results)) {
    for (const run of [0, 1]) {
      const answers = {};
      for (const [engine, r] of Object.entries(byEngine)) if (r.runs?.[run]) answers[engine] = r.runs[run].answers;
      for (const m of compareAnswers(answers)) found.push({ size, run: run === 0 ? "cold" : "warm", ...m });
    }
  }
  return found;
}

/** What the committed JSON keeps of a run's answers. */
function summary(a) {
  const ids = (rows) => rows.map((r) => r.order_id);
  return {
    count: a.count,
    groups: a.groupBy.length,
    groupRows: a.groupBy.reduce((s, g) => s + g.n, 0),
    groupRevenue: a.groupBy.reduce((s, g) => s + g.revenue, 0),
    firstPage: ids(a.firstPage),
    firstPagePrices: [a.firstPage[0]?.unit_price, a.firstPage.at(-1)?.unit_price],
    nextPage: ids(a.nextPage),
    freshSort: ids(a.freshSort),
    filteredTotal: a.filteredPage.total,
    filteredPage: ids(a.filteredPage.rows),
    firstRows: ids(a.firstRows),
  };
}

// ------------------------------------------------------------------ main
if (process.argv[2] === "--report") {
  writeDocs(JSON.parse(readFileSync(join(ROOT, "bench-results/compare.json"), "utf8")));
  console.log("wrote docs/benchmarks.md and docs/benchmarks.svg from bench-results/compare.json");
  process.exit(0);
}

const { serveStatic, launchBrowser } = await import("../tests/e2e/harness.mjs");
const fileOf = (size, seed) => join(ROOT, `bench-data/sales-${size}${seed === 42 ? "" : `-seed${seed}`}.csv`);
for (const size of sizes) {
  for (const seed of [42, 43]) {
    const file = fileOf(size, seed);
    if (!existsSync(file)) execFileSync("node", [join(ROOT, "bench/gen-sales.mjs"), "--size", size, "--seed", String(seed), "--out", file], { stdio: "inherit" });
  }
}
const measured = measuredCommit();
const loadBefore = loadavg();
const cpuBefore = await cpuSplit();
console.log(`load average ${load(loadBefore)}, CPU ${JSON.stringify(cpuBefore)}; commit ${measured.commit.slice(0, 12)}${measured.dirty ? " (dirty)" : ""}`);
const server = await serveStatic(ROOT);
const results = {};
for (const size of sizes) {
  results[size] = {};
  for (const engine of engines) {
    process.stdout.write(`${size} ${NAMES[engine]}… `);
    const r = await runEngine(server, launchBrowser, engine, [fileOf(size, 42), fileOf(size, 43)]);
    results[size][engine] = r;
    const [cold, warm] = r.runs ?? [];
    console.log(
      [
        cold && `cold: ingest ${ms(cold.steps.ingest)}, group-by ${ms(cold.steps.groupBy)}, fresh sort ${ms(cold.steps.freshSort)}`,
        warm && `warm: ingest ${ms(warm.steps.ingest)}, group-by ${ms(warm.steps.groupBy)}`,
        `memory ${mb(r.memoryBytes)}`,
        r.error && `failed: ${r.error}`,
      ]
        .filter(Boolean)
        .join("; "),
    );
  }
}
await server.close();
const loadAfter = loadavg();
const cpuAfter = await cpuSplit();
const mismatches = check(results);
// The full answers were compared above; the JSON keeps a summary of them
// (every page's ids, the group totals) so it stays small enough to commit.
for (const byEngine of Object.values(results)) for (const r of Object.values(byEngine)) for (const run of r.runs ?? []) run.answers = summary(run.answers);
const report = { machine: machine(), measured, loadBefore, loadAfter, cpuBefore, cpuAfter, shipped: shippedSizes(), mismatches, results };
mkdirSync(join(ROOT, "bench-results"), { recursive: true });
// Arrays of numbers (page ids, load averages) on one line each: readable diffs.
const json = JSON.stringify(report, null, 1).replace(/\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g, (_, items) => `[${items.split(/,\s*/).join(", ")}]`);
writeFileSync(join(ROOT, "bench-results/compare.json"), json + "\n");
console.log(`load average after: ${load(loadAfter)}; wrote bench-results/compare.json`);
if (mismatches.length) {
  console.error(`\n${mismatches.length} answer mismatch(es):`);
  for (const m of mismatches) console.error(`  ${m.size} ${m.run} ${m.step}: ${m.classes.map((c) => c.map((e) => NAMES[e]).join(" = ")).join(" ≠ ")} (${m.difference})`);
  process.exit(1);
}
const failed = Object.values(results).some((byEngine) => Object.values(byEngine).some((r) => r.error));
if (engines.length === ENGINES.length) {
  writeDocs(report);
  console.log(`wrote docs/benchmarks.md and docs/benchmarks.svg (file sizes: ${sizes.join(", ")})`);
} else {
  console.log(markdown(report).split("\n").filter((l) => l.startsWith("|")).join("\n"));
}
if (failed) process.exitCode = 2;
