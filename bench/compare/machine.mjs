// What a benchmark run records about itself: the commit measured (and
// whether the tree differed from it), the machine, and the browser's memory. Used by
// bench/compare.mjs, bench/walker.mjs and examples/django-react/bench/compare.mjs.
import { readdirSync, readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { execFileSync } from "node:child_process";
import { join } from "node:path";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

const git = (...args) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" });

/** The commit measured, and what differed from it (files a run writes aside). */
export function measuredCommit() {
  const changed = git("status", "--porcelain")
    .split("\n")
    .filter(Boolean)
    .map((l) => l.slice(3))
    .filter((f) => !f.startsWith("bench-results/") && !f.startsWith("docs/benchmarks") && !f.startsWith("docs/walker-benchmark") && !f.startsWith("docs/django-benchmark"));
  return { commit: git("rev-parse", "HEAD").trim(), dirty: changed.length > 0, changedFiles: changed };
}

export function machine() {
  const chromium = (() => {
    try {
      return execFileSync("/usr/bin/chromium", ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return "Chromium";
    }
  })();
  const duckdbVersion = JSON.parse(readFileSync(join(ROOT, "node_modules/@duckdb/duckdb-wasm/package.json"), "utf8")).version;
  return {
    cpu: `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores`,
    memory: `${(totalmem() / 1024 ** 3).toFixed(0)} GiB`,
    browser: `${chromium}, headless`,
    node: process.version,
    duckdbWasm: `${duckdbVersion}, single-threaded eh bundle`,
    date: new Date().toISOString(),
  };
}

/**
 * How the machine's CPU time was spent over `ms` milliseconds (from
 * /proc/stat): the share at normal priority, at lowered priority (`nice`,
 * e.g. other people's builds and fuzzers, which a benchmark at normal
 * priority mostly preempts), in the kernel and idle, in percent.
 */
export async function cpuSplit(ms = 2000) {
  const read = () => readFileSync("/proc/stat", "utf8").split("\n")[0].split(/\s+/).slice(1, 8).map(Number);
  const a = read();
  await new Promise((r) => setTimeout(r, ms));
  const b = read();
  const d = b.map((v, i) => v - a[i]);
  const total = d.reduce((s, v) => s + v, 0) || 1;
  const pct = (v) => Math.round((1000 * v) / total) / 10;
  // user, nice, system, idle, iowait, irq, softirq
  return { normal: pct(d[0]), niced: pct(d[1]), system: pct(d[2] + d[5] + d[6]), idle: pct(d[3] + d[4]) };
}

/** Bytes: PSS of every process of a browser (those carrying its profile dir). */
export function browserMemory(profileDir) {
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
