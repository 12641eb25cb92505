// A sharded load: one file cut into byte ranges, each loaded by its own
// worker (its own wasm instance, so its own 4 GB and its own core), then
// joined up: ranges whose guessed start fell inside a quoted field are read
// again from the true start, column types are unified, and the warnings are
// merged with real line numbers (the rules are the engine's:
// src/ingest/range.rs; this module only moves messages between workers).
//
// What must change with it: the worker's range methods (js/worker.ts:
// layout, loadRange, clearRows, columnSummary, unifyColumns, warningLog,
// resolveRanges, mergeWarnings) and the engine's range API they call.
import type * as Comlink from "comlink";
import type { IngestOptions, IngestWarning, RangeReport, Resolution } from "../pkg/quiver.js";
import type { Progress } from "./protocol";
import type { EngineHost } from "./worker";

type Host = Comlink.Remote<EngineHost>;

/** Below this, a file loads in one worker (the fast path for small files). */
export const MIN_SHARD_BYTES = 64 * 1024 ** 2;
/** Above this per shard, a file gets more shards than cores: each wasm
 *  instance stays well inside its 4 GB at about 0.4 bytes of table per
 *  byte of CSV and a load's peak of about 1.5× its table. */
export const MAX_SHARD_BYTES = 1.5 * 1024 ** 3;
/** Never more workers than this. */
export const MAX_SHARDS = 16;

/**
 * How many shards a file of `size` bytes gets: one below 64 MB; else one
 * per core (`navigator.hardwareConcurrency`), and more when that would put
 * over 1.5 GB of CSV in one shard. `forced` (an option) wins.
 */
export function shardCount(size: number, forced?: number | "auto", cores = globalThis.navigator?.hardwareConcurrency ?? 2): number {
  if (typeof forced === "number") return Math.max(1, Math.min(MAX_SHARDS, Math.floor(forced)));
  if (size < MIN_SHARD_BYTES) return 1;
  const bySize = Math.ceil(size / MAX_SHARD_BYTES);
  return Math.max(1, Math.min(MAX_SHARDS, Math.max(bySize, Math.min(cores, Math.floor(size / MIN_SHARD_BYTES)))));
}

/** `size` bytes cut into `parts` ranges of about equal size. */
export function cut(size: number, parts: number): [number, number][] {
  return Array.from({ length: parts }, (_, i) => [Math.floor((size * i) / parts), Math.floor((size * (i + 1)) / parts)]);
}

/** One shard: its range, as loaded, and what became of it. */
export interface Shard {
  host: Host;
  start: number;
  end: number;
  report: RangeReport | null;
  resolution: Resolution | null;
  /** Rows it holds once the load ended. */
  rows: number;
}

export interface ShardedLoad {
  shards: Shard[];
  /** Ranges read again because their guessed start fell inside quotes. */
  rereads: number;
  warnings: IngestWarning[];
  /** The load stopped early (cancel or error): the shards hold a prefix of the file. */
  stopped: Error | null;
}

/**
 * Loads `file` with one host per range. `onProgress` gets the progress of
 * all shards together. A cancel (`signal`) or a shard's error stops every
 * shard; the rows kept are then a prefix of the file (the shards complete
 * from the first on, and the rows of the first incomplete one), and the
 * error is returned in `stopped` (the caller decides what `loaded` does).
 */
export async function loadSharded(
  file: Blob,
  name: string,
  options: IngestOptions,
  hosts: Host[],
  onProgress: (p: Progress) => void,
  proxy: <T extends object>(f: T) => T,
  signal: AbortSignal,
  testing: { crashAfterBytes?: number } = {},
): Promise<ShardedLoad> {
  const layout = await hosts[0].layout(file, options);
  const shards: Shard[] = cut(file.size, hosts.length).map(([start, end], i) => ({
    host: hosts[i],
    start,
    end,
    report: null,
    resolution: null,
    rows: 0,
  }));
  const latest: Progress[] = shards.map(() => ({ bytesRead: 0, totalBytes: file.size, rows: 0, readableRows: 0 }));
  const report = () =>
    onProgress(
      latest.reduce(
        (sum, p) => ({
          bytesRead: sum.bytesRead + p.bytesRead,
          totalBytes: file.size,
          rows: sum.rows + p.rows,
          readableRows: sum.readableRows + p.readableRows,
        }),
        { bytesRead: 0, totalBytes: file.size, rows: 0, readableRows: 0 },
      ),
    );
  const load = (i: number, start: number, exact: boolean) =>
    shards[i].host.loadRange(
      file,
      name,
      layout,
      { start, end: shards[i].end, exact },
      options,
      proxy((p: Progress) => {
        latest[i] = p;
        report();
      }),
      // Fault injection for tests hits the last shard.
      i === shards.length - 1 ? testing : {},
    );
  const stopAll = () => shards.forEach((s) => void s.host.cancel());
  signal.addEventListener("abort", stopAll, { once: true });
  let stopped: Error | null = null;
  const outcomes = await Promise.allSettled(
    shards.map((s, i) =>
      load(i, s.start, false).then(
        (r) => (s.report = r),
        (e: Error) => {
          // One shard failing (or a cancel) stops them all.
          stopped ??= e;
          stopAll();
          throw e;
        },
      ),
    ),
  );
  signal.removeEventListener("abort", stopAll);
  if (stopped || signal.aborted) {
    return {
      shards: await keepPrefix(shards, outcomes),
      rereads: 0,
      warnings: await mergedWarnings(shards, layout.names),
      stopped: stopped ?? abortError(),
    };
  }
  // Join the ranges up: read again any that started inside a quoted field.
  let rereads = 0;
  for (;;) {
    const resolutions = await hosts[0].resolveRanges(shards.map((s) => s.report!));
    const reread = resolutions.findIndex((r) => r.action === "reread");
    resolutions.forEach((r, i) => (shards[i].resolution = r));
    if (reread < 0) break;
    const from = (resolutions[reread] as { from: number }).from;
    shards[reread].start = from;
    shards[reread].report = await load(reread, from, true);
    rereads++;
  }
  await Promise.all(shards.filter((s) => s.resolution?.action === "empty").map((s) => s.host.clearRows()));
  const summaries = await Promise.all(shards.map((s) => s.host.columnSummary()));
  await Promise.all(shards.map((s) => s.host.unifyColumns(summaries)));
  await countRows(shards);
  return { shards, rereads, warnings: await mergedWarnings(shards, layout.names), stopped: null };
}

/** After a stop: keep the shards complete from the first on and the rows
 *  of the first incomplete one; the rest hold no rows. */
async function keepPrefix(shards: Shard[], outcomes: PromiseSettledResult<unknown>[]): Promise<Shard[]> {
  let next: number | null = 0;
  let lines = 0;
  for (let i = 0; i < shards.length; i++) {
    const s = shards[i];
    const report = await s.host.rangeReport().catch(() => null);
    if (report === null || next === null || (i > 0 && report.firstRecord !== next)) {
      await s.host.clearRows().catch(() => {});
      s.resolution = { action: "empty" };
      next = null;
      continue;
    }
    s.report = report;
    s.resolution = { action: "keep", lineOffset: lines };
    lines += report.lines;
    // An incomplete shard ends the prefix.
    next = outcomes[i].status === "fulfilled" ? report.nextRecord : null;
  }
  await countRows(shards);
  return shards;
}

async function countRows(shards: Shard[]): Promise<void> {
  const infos = await Promise.all(shards.map((s) => s.host.info().catch(() => null)));
  infos.forEach((info, i) => (shards[i].rows = info?.numRows ?? 0));
}

async function mergedWarnings(shards: Shard[], names: string[]): Promise<IngestWarning[]> {
  const kept = shards.filter((s) => s.resolution?.action === "keep");
  if (kept.length === 0) return [];
  const logs = await Promise.all(kept.map((s) => s.host.warningLog()));
  const offsets = kept.map((s) => (s.resolution as { lineOffset: number }).lineOffset);
  return kept[0].host.mergeWarnings(logs, offsets, names);
}

function abortError(): Error {
  const error = new Error("Loading was cancelled.");
  error.name = "AbortError";
  return error;
}
