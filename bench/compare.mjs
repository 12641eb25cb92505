#!/usr/bin/env node
// Side-by-side benchmark: Quiver, DuckDB-WASM, Arquero and PapaParse, each in
// a fresh headless Chromium, fed the same File through setInputFiles, running
// the same workload (bench/compare/workload.js). Also measured: the peak
// memory of the whole browser process tree above its idle baseline (PSS,
// sampled every 100 ms) and the gzipped size of what each engine ships.
//
//   node bench/compare.mjs                 10 MB and 100 MB sales files
//   QUIVER_BENCH_1GB=1 node bench/compare.mjs   also 1 GB
//
// Writes bench-results/compare.json, docs/benchmarks.md and docs/benchmarks.svg.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { serveStatic, launchBrowser, ROOT } from "../tests/e2e/harness.mjs";

const ENGINES = ["quiver", "duckdb", "arquero", "papaparse"];
// An engine that has not finished the workload by then is recorded as failed.
const TIMEOUT_MS = 600_000;
const NAMES = { quiver: "Quiver", duckdb: "DuckDB-WASM", arquero: "Arquero", papaparse: "PapaParse" };
const STEPS = [
  ["ingest", "ingest the whole file"],
  ["firstRows", "first 100 rows visible"],
  ["count", "count rows"],
  ["groupBy", "group-by 2 text keys: count, sum(a×b), mean"],
  ["firstPage", "page of 100 sorted by a float, offset 50,000"],
  ["nextPage", "the next page"],
  ["filteredPage", "filtered (text = and int >) page sorted by time"],
];

const sizes = process.env.QUIVER_BENCH_SIZES
  ? process.env.QUIVER_BENCH_SIZES.split(",")
  : ["10MB", "100MB", ...(process.env.QUIVER_BENCH_1GB === "1" ? ["1GB"] : [])];
const engines = process.env.QUIVER_BENCH_ENGINES ? process.env.QUIVER_BENCH_ENGINES.split(",") : ENGINES;

/** PSS of every process of the browser (those carrying its profile dir). */
function browserMemory(profileDir) {
  let total = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(profileDir)) continue;
      const pss = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
      total += pss ? Number(pss[1]) * 1024 : 0;
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

async function runEngine(server, engine, file) {
  const browser = await launchBrowser();
  let peak = 0;
  let baseline = 0;
  let sampler = null;
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/bench/compare/${engine}.html`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 120_000 });
    const idle = [];
    for (let i = 0; i < 5; i++) {
      idle.push(browserMemory(browser.profileDir));
      await new Promise((r) => setTimeout(r, 100));
    }
    baseline = idle.sort((a, b) => a - b)[2];
    sampler = setInterval(() => (peak = Math.max(peak, browserMemory(browser.profileDir))), 100);
    await page.setInputFiles("#file", file);
    await page.waitForFunction(() => window.result, null, { timeout: TIMEOUT_MS, polling: 250 });
    const result = await page.evaluate(() => window.result);
    clearInterval(sampler);
    peak = Math.max(peak, browserMemory(browser.profileDir));
    return { ...result, memoryBytes: Math.max(0, peak - baseline) };
  } catch (e) {
    return { error: e.message.split("\n")[0], memoryBytes: Math.max(0, peak - baseline) };
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

function machine() {
  const chromium = (() => {
    try {
      return execFileSync("/usr/bin/chromium", ["--version"], { encoding: "utf8" }).trim();
    } catch {
      return "Chromium";
    }
  })();
  return {
    cpu: `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores`,
    memory: `${(totalmem() / 1024 ** 3).toFixed(0)} GiB`,
    browser: `${chromium}, headless`,
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
  };
}

const ms = (v) => (v === undefined ? "—" : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
const mb = (v) => `${(v / 1e6).toFixed(0)} MB`;

function markdown(results, sizesShipped, info) {
  const lines = [
    "# Benchmarks: Quiver against DuckDB-WASM, Arquero and PapaParse",
    "",
    `Measured by \`npm run bench\` (\`bench/compare.mjs\`) on ${info.date}: ${info.cpu}, ${info.memory}; ${info.browser}; Node ${info.node}.`,
    "Each engine runs in a fresh headless Chromium and gets the same `File` through `setInputFiles`; the workload is",
    "[`bench/compare/workload.js`](../bench/compare/workload.js) on the deterministic sales files",
    "([`bench/gen-sales.mjs`](../bench/gen-sales.mjs)). Times are wall-clock in the page, memory is the peak PSS of the",
    "whole browser process tree above its idle baseline (sampled every 100 ms). Ratios are engine ÷ Quiver from the",
    "same run: above 1 means Quiver is faster (or smaller).",
    "",
    "![Times by engine](benchmarks.svg)",
    "",
  ];
  for (const [size, byEngine] of Object.entries(results)) {
    lines.push(`## ${size} (${byEngine.quiver?.checks?.rows?.toLocaleString("en-US") ?? "?"} rows)`, "");
    lines.push(`| | ${engines.map((e) => NAMES[e]).join(" | ")} |`, `|---|${engines.map(() => "---").join("|")}|`);
    for (const [step, label] of STEPS) {
      const base = byEngine.quiver?.steps?.[step];
      const cells = engines.map((e) => {
        const r = byEngine[e];
        if (r?.error) return e === "quiver" ? `failed` : "failed";
        const v = r?.steps?.[step];
        if (v === undefined) return "—";
        return e === "quiver" || !base ? ms(v) : `${ms(v)} (${(v / base).toFixed(1)}×)`;
      });
      lines.push(`| ${label} | ${cells.join(" | ")} |`);
    }
    const baseMem = byEngine.quiver?.memoryBytes;
    lines.push(
      `| peak memory above idle | ${engines
        .map((e) => (byEngine[e]?.error && !byEngine[e]?.memoryBytes ? "failed" : e === "quiver" || !baseMem ? mb(byEngine[e]?.memoryBytes ?? 0) : `${mb(byEngine[e]?.memoryBytes ?? 0)} (${(byEngine[e].memoryBytes / baseMem).toFixed(1)}×)`))
        .join(" | ")} |`,
    );
    const errors = engines.filter((e) => byEngine[e]?.error).map((e) => `${NAMES[e]}: ${byEngine[e].error}`);
    if (errors.length) lines.push("", ...errors.map((e) => `- ${e}`));
    const checks = engines.filter((e) => byEngine[e]?.checks).map((e) => `${NAMES[e]} ${JSON.stringify(byEngine[e].checks)}`);
    lines.push("", `Answers (each engine's, to check they did the same work): ${checks.join("; ")}.`, "");
  }
  lines.push(
    "## What each engine ships (gzipped: JavaScript + wasm)",
    "",
    `| ${engines.map((e) => NAMES[e]).join(" | ")} |`,
    `|${engines.map(() => "---").join("|")}|`,
    `| ${engines.map((e) => `${(sizesShipped[e] / 1000).toFixed(0)} KB`).join(" | ")} |`,
    "",
  );
  return lines.join("\n");
}

/** Grouped bars on a log scale: each step's time per engine, per file size. */
function chart(results) {
  const colors = { quiver: "#2563eb", duckdb: "#f59e0b", arquero: "#10b981", papaparse: "#9ca3af" };
  const groups = [];
  for (const [size, byEngine] of Object.entries(results)) for (const [step, label] of STEPS) groups.push({ size, step, label, byEngine });
  const barH = 9;
  const groupH = engines.length * barH + 12;
  const left = 330;
  const width = 900;
  const plot = width - left - 90;
  const all = groups.flatMap((g) => engines.map((e) => g.byEngine[e]?.steps?.[g.step]).filter((v) => v > 0));
  const lo = Math.log10(Math.max(0.1, Math.min(...all)));
  const hi = Math.log10(Math.max(...all));
  const x = (v) => left + ((Math.log10(Math.max(v, 0.1)) - lo) / (hi - lo || 1)) * plot;
  const height = groups.length * groupH + 60;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="11">`];
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  engines.forEach((e, i) => parts.push(`<rect x="${left + i * 130}" y="8" width="12" height="12" fill="${colors[e]}"/><text x="${left + i * 130 + 16}" y="18">${NAMES[e]}</text>`));
  parts.push(`<text x="${left}" y="40" fill="#6b7280">time, log scale (shorter is better)</text>`);
  groups.forEach((g, i) => {
    const y = 50 + i * groupH;
    parts.push(`<text x="${left - 8}" y="${y + groupH / 2}" text-anchor="end">${g.size}: ${g.label}</text>`);
    engines.forEach((e, j) => {
      const v = g.byEngine[e]?.steps?.[g.step];
      if (!(v > 0)) return;
      parts.push(`<rect x="${left}" y="${y + j * barH}" width="${Math.max(1, x(v) - left)}" height="${barH - 2}" fill="${colors[e]}"/>`);
      parts.push(`<text x="${x(v) + 3}" y="${y + j * barH + 7}" fill="#374151">${ms(v)}</text>`);
    });
  });
  parts.push("</svg>");
  return parts.join("\n");
}

// ------------------------------------------------------------------ main
for (const size of sizes) {
  const file = join(ROOT, `bench-data/sales-${size}.csv`);
  if (!existsSync(file)) execFileSync("node", [join(ROOT, "bench/gen-sales.mjs"), "--size", size, "--out", file], { stdio: "inherit" });
}
const server = await serveStatic(ROOT);
const results = {};
for (const size of sizes) {
  const file = join(ROOT, `bench-data/sales-${size}.csv`);
  results[size] = {};
  for (const engine of engines) {
    process.stdout.write(`${size} ${NAMES[engine]}… `);
    const r = await runEngine(server, engine, file);
    results[size][engine] = r;
    console.log(r.error ? `failed: ${r.error}` : `ingest ${ms(r.steps.ingest)}, group-by ${ms(r.steps.groupBy)}, memory ${mb(r.memoryBytes)}`);
  }
}
await server.close();
const shipped = shippedSizes();
const info = machine();
mkdirSync(join(ROOT, "bench-results"), { recursive: true });
mkdirSync(join(ROOT, "docs"), { recursive: true });
writeFileSync(join(ROOT, "bench-results/compare.json"), JSON.stringify({ machine: info, shipped, results }, null, 2));
if (engines.length === ENGINES.length) {
  writeFileSync(join(ROOT, "docs/benchmarks.md"), markdown(results, shipped, info));
  writeFileSync(join(ROOT, "docs/benchmarks.svg"), chart(results));
  console.log(`\nwrote docs/benchmarks.md, docs/benchmarks.svg and bench-results/compare.json (file sizes: ${sizes.join(", ")})`);
} else {
  console.log(markdown(results, shipped, info).split("\n").filter((l) => l.startsWith("|")).join("\n"));
}

